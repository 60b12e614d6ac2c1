// Sign-in: the admin token opens a console session (HttpOnly cookie + CSRF token) for a principal and this browser's device id.
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { deviceId, setCsrfToken } from '../../api/session';
import type { ConsoleLogin } from '../../api/types';
import { ErrorBox } from '../../components/states';

export function SignInPage({ reason, onSignedIn }: { reason: string | null; onSignedIn(login: ConsoleLogin): void }) {
  const [token, setToken] = useState('');
  const [principal, setPrincipal] = useState('admin:local-browser');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const login = await unwrap(api.POST('/console/v1/auth/login', { body: { admin_token: token.trim(), principal: principal.trim(), device_id: deviceId() } }));
      setCsrfToken(login.csrf_token);
      setToken('');
      onSignedIn(login);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in" id="main">
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Palyra</h1>
        {reason && (
          <p className="notice" role="status">
            {reason}
          </p>
        )}
        <label>
          Admin token
          <input type="password" autoComplete="current-password" required value={token} onChange={(event) => setToken(event.target.value)} aria-describedby="token-help" />
        </label>
        <p id="token-help" className="muted">
          palyrad wrote it to <code>admin-token</code> in its state directory (by default <code>./.palyra/admin-token</code>, next to where it was started), unless <code>PALYRA_ADMIN_TOKEN</code> set it.
          It is sent once; the browser keeps only a session cookie that scripts cannot read.
        </p>
        <label>
          Principal
          <input required minLength={3} value={principal} onChange={(event) => setPrincipal(event.target.value)} />
        </label>
        <p className="muted">
          Device id of this browser: <code>{deviceId()}</code>
        </p>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
