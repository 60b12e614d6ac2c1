// The HTTP security pipeline: headers, cookie attributes, rate limit, body limits, Origin, lockout, sessions across restarts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consoleLogin, TEST_DEVICE_ID } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function assertSecurityHeaders(response: Response): void {
  for (const [name, value] of Object.entries(HEADERS)) assert.equal(response.headers.get(name), value, name);
  assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
}

async function envelope(response: Response): Promise<Record<string, unknown>> {
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = (await response.json()) as Record<string, unknown>;
  for (const key of ['error', 'code', 'category', 'retryable']) assert.ok(key in body, `envelope has ${key}`);
  return body;
}

describe('HTTP security pipeline', () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000', PALYRA_HTTP_ALLOWED_ORIGINS: 'https://console.example:8443' } });
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('success, 401, 404 and validation errors all carry the security headers', async () => {
    const responses = [
      await daemon.admin('/admin/v1/status'),
      await fetch(`${daemon.ready.http}/admin/v1/status`),
      // Outside the API prefixes a GET is the console page; an unknown API path is the 404.
      await fetch(`${daemon.ready.http}/admin/v1/no/such/route`),
      await daemon.admin('/admin/v1/runs/not-a-ulid'),
      await fetch(`${daemon.ready.http}/healthz`),
    ];
    assert.deepEqual(responses.map((response) => response.status), [200, 401, 404, 400, 200]);
    for (const response of responses) {
      assertSecurityHeaders(response);
      await response.arrayBuffer();
    }
  });

  test('missing credential → 401 envelope; refused scope → 403 envelope', async () => {
    const unauthenticated = await envelope(await fetch(`${daemon.ready.http}/admin/v1/status`));
    assert.equal(unauthenticated.code, 'unauthenticated');
    const token = (await (await daemon.admin('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: 't', principal: 'user:t', scopes: ['runs:read'] }) })).json()) as { token: string };
    const refused = await fetch(`${daemon.ready.http}/admin/v1/status`, { headers: { authorization: `Bearer ${token.token}` } });
    assert.equal(refused.status, 403);
    assert.equal((await envelope(refused)).code, 'permission_denied');
  });

  test('invalid body field → 400 envelope with validation_errors', async () => {
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'x', bogus: 1 }) });
    assert.equal(response.status, 400);
    const body = await envelope(response);
    assert.ok(Array.isArray(body.validation_errors) && body.validation_errors.length > 0);
  });

  test('login → session cookie HttpOnly; SameSite=Lax; Path=/, no Secure in cleartext, Max-Age = idle timeout', async () => {
    const response = await fetch(`${daemon.ready.http}/console/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ admin_token: daemon.adminToken, principal: 'admin:cookie', device_id: TEST_DEVICE_ID }),
    });
    assert.equal(response.status, 200);
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^palyra_console_session=[A-Za-z0-9_-]{43}; /);
    const attributes = cookie.split('; ').slice(1);
    assert.ok(attributes.includes('HttpOnly'));
    assert.ok(attributes.includes('SameSite=Lax'));
    assert.ok(attributes.includes('Path=/'));
    assert.ok(!attributes.includes('Secure'));
    assert.ok(!attributes.some((attribute) => attribute.startsWith('Domain')));
    const maxAge = Number(attributes.find((attribute) => attribute.startsWith('Max-Age='))?.slice(8));
    assert.ok(maxAge > 1790 && maxAge <= 1800, `Max-Age ${maxAge}`);
    const body = (await response.json()) as { csrf_token: string; session: { principal: string; device_id: string } };
    assert.match(body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(body.session.principal, 'admin:cookie');
  });

  test('a request within the touch interval does not re-issue the cookie; logout clears it and revokes server-side', async () => {
    // Renewal after the touch interval, idle expiry and the 12 h cap run on a controlled clock in console-session-expiry.test.ts.
    const session = await consoleLogin(daemon);
    const reloaded = await session.request('/auth/session');
    assert.equal(reloaded.status, 200);
    assert.equal(reloaded.headers.get('set-cookie'), null);
    assert.equal(((await reloaded.json()) as { csrf_token: string }).csrf_token, session.csrf, 'a reloaded page gets the same CSRF token back');
    const logout = await session.request('/auth/logout', { method: 'POST', body: '{}' });
    assert.equal(logout.status, 200);
    assert.match(logout.headers.get('set-cookie') ?? '', /^palyra_console_session=deleted; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal((await session.request('/auth/session')).status, 401);
  });

  test('identity headers on console requests are ignored: the session decides', async () => {
    const session = await consoleLogin(daemon, 'admin:owner');
    const response = await session.request('/diagnostics', { headers: { 'x-palyra-principal': 'admin:impostor', 'x-palyra-device-id': '01BX5ZZKBKACTAV9WEVGEMMVRZ' } });
    const body = (await response.json()) as { session: { principal: string; device_id: string } };
    assert.deepEqual(body.session, { principal: 'admin:owner', device_id: TEST_DEVICE_ID, channel: null });
  });

  test('body over 64 KiB → 413 envelope (admin and login)', async () => {
    const big = JSON.stringify({ prompt: 'x'.repeat(80 * 1024) });
    const admin = await daemon.admin('/admin/v1/runs', { method: 'POST', body: big });
    assert.equal(admin.status, 413);
    assert.equal((await envelope(admin)).code, 'out_of_range');
    const login = await fetch(`${daemon.ready.http}/console/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(login.status, 413);
    await login.arrayBuffer();
  });

  test('non-JSON bodies → 415 envelope (text/plain and form)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: 'prompt=x', headers: { 'content-type': type } });
      assert.equal(response.status, 415, type);
      await envelope(response);
    }
  });

  test('configured allowed Origin may make unsafe requests; a look-alike may not', async () => {
    const ok = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'hi' }), headers: { origin: 'https://console.example:8443' } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    for (const origin of ['https://console.example', 'null', 'http://console.example:8443']) {
      const refused = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'hi' }), headers: { origin } });
      assert.equal(refused.status, 403, origin);
      await refused.arrayBuffer();
    }
  });

  test('no Origin but Sec-Fetch-Site cross-site → 403', async () => {
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'hi' }), headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(response.status, 403);
    await response.arrayBuffer();
  });

  test('repeated failed logins from one client → 429 with Retry-After, even with the right token', async () => {
    const login = (token: string) =>
      fetch(`${daemon.ready.http}/console/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ admin_token: token, principal: 'admin:lockout', device_id: TEST_DEVICE_ID }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await login('wrong-token')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const locked = await login(daemon.adminToken);
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.equal((await envelope(locked)).code, 'resource_exhausted');
  });
});

describe('HTTP rate limit and trusted proxies', () => {
  test('budget spent → 429 envelope with Retry-After and security headers; X-Forwarded-For is not trusted by default', async () => {
    const daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '20' } });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => fetch(`${daemon.ready.http}/healthz`, { headers: { 'x-forwarded-for': `203.0.113.${i}` } }).then(async (response) => {
          if (response.status === 429) {
            assert.ok(Number(response.headers.get('retry-after')) >= 1);
            assertSecurityHeaders(response);
            assert.equal((await envelope(response)).retryable, true);
          } else await response.arrayBuffer();
          return response.status;
        })),
      );
      assert.ok(statuses.filter((status) => status === 429).length >= 20 - 1, `429s: ${statuses.join(',')}`);
    } finally {
      await daemon.stop();
      removeStateDir(daemon.stateDir);
    }
  });

  test('loopback configured as trusted proxy → X-Forwarded-For clients get their own budgets', async () => {
    const daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '5', PALYRA_HTTP_TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${daemon.ready.http}/healthz`, { headers: { 'x-forwarded-for': `203.0.113.${i}` } }).then(async (response) => {
            await response.arrayBuffer();
            return response.status;
          }),
        ),
      );
      assert.deepEqual(new Set(statuses), new Set([200]));
    } finally {
      await daemon.stop();
      removeStateDir(daemon.stateDir);
    }
  });

  test('console session survives a daemon restart (only its hash is stored)', async () => {
    const first = await startDaemon();
    const stateDir = first.stateDir;
    let session;
    try {
      session = await consoleLogin(first);
    } finally {
      await first.stop();
    }
    const second = await startDaemon({ stateDir });
    try {
      const response = await fetch(`${second.ready.http}/console/v1/auth/session`, { headers: { cookie: session.cookie } });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    } finally {
      await second.stop();
      removeStateDir(stateDir);
    }
  });
});
