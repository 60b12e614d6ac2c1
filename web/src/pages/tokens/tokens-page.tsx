// Tokens: create scoped API tokens (the secret is shown once), list and revoke them.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { Scope } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime, relativeTime } from '../../lib/format';
import { SCOPES } from './scopes';

const EXPIRIES = [
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['2592000', '30 days'],
  ['0', 'never'],
] as const;

export default function TokensPage() {
  const [name, setName] = useState('');
  const [principal, setPrincipal] = useState('user:automation');
  const [scopes, setScopes] = useState<Scope[]>(['runs:read']);
  const [ttl, setTtl] = useState('86400');
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => unwrap(api.GET('/console/v1/api-tokens', { params: { query: {} } })) });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/console/v1/api-tokens', { body: { name: name.trim(), principal: principal.trim(), scopes, ttl_seconds: Number(ttl) } })),
    onSuccess: () => setName(''),
  });
  const revoke = useMutation({ mutationFn: (id: string) => unwrap(api.POST('/console/v1/api-tokens/{id}/revoke', { params: { path: { id } } })) });
  const toggle = (scope: Scope) => setScopes((current) => (current.includes(scope) ? current.filter((value) => value !== scope) : [...current, scope]));
  const list = tokens.data?.tokens ?? [];
  return (
    <>
      <h1>API tokens</h1>
      <form
        className="panel form-grid"
        aria-labelledby="create-token-title"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <h2 id="create-token-title" className="wide">
          Create a token
        </h2>
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Principal
          <input required minLength={3} value={principal} onChange={(event) => setPrincipal(event.target.value)} />
        </label>
        <label>
          Expires after
          <select value={ttl} onChange={(event) => setTtl(event.target.value)}>
            {EXPIRIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="wide scopes">
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="check">
              <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} /> {scope}
            </label>
          ))}
        </fieldset>
        <div className="actions wide">
          <button type="submit" className="primary" disabled={create.isPending || scopes.length === 0}>
            Create token
          </button>
        </div>
      </form>
      <ErrorBox error={create.error ?? revoke.error} />
      {create.data && (
        <div className="secret panel" role="status">
          <p>
            <strong>Copy the token now: it is shown only once.</strong>
          </p>
          <label>
            New token for {create.data.principal}
            <input readOnly className="mono" value={create.data.token} onFocus={(event) => event.target.select()} />
          </label>
          <CopyButton text={create.data.token} label="Copy token" />
        </div>
      )}
      <h2>Tokens</h2>
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.isError ? (
        <ErrorBox error={tokens.error} />
      ) : list.length === 0 ? (
        <Empty>No API tokens.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Principal</th>
                <th scope="col">Scopes</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((token) => (
                <tr key={token.token_id} data-token-id={token.token_id}>
                  <td>{token.name}</td>
                  <td>{token.principal}</td>
                  <td className="small">{token.scopes.join(' ')}</td>
                  <td title={formatTime(token.expires_at_unix_ms)}>{token.expires_at_unix_ms === null ? 'never' : relativeTime(token.expires_at_unix_ms)}</td>
                  <td>{relativeTime(token.last_used_at_unix_ms)}</td>
                  <td>
                    {token.revoked_at_unix_ms !== null ? (
                      <span className="badge state-failed">revoked</span>
                    ) : (
                      <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(token.token_id)} aria-label={`Revoke ${token.name}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
