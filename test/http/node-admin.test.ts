// Pairing and node admin routes on the real daemon: codes, empty lists, unknown ids, scopes, console session + CSRF.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseJoinString } from '../../src/core/devices/pairing-transcript.js';
import { newId } from '../../src/core/ids.js';
import { consoleLogin } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface CodeBody {
  code_id: string;
  join_string: string;
  expires_at_unix_ms: number;
  ca_fingerprint: string;
  auto_approve: boolean;
}

let daemon: TestDaemon;

const JOIN_STRING = /^palyra-pair:v1:[0-9A-HJKMNP-TV-Z]{26}:[A-Za-z0-9_-]{43}:[0-9a-f]{64}:127\.0\.0\.1:\d{1,5}$/;

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return daemon.admin(path, { method: 'POST', body: JSON.stringify(body), headers });
}

async function mintToken(scopes: string[]): Promise<string> {
  const response = await post('/admin/v1/api-tokens', { name: 'node-admin', principal: 'user:node-admin', scopes });
  assert.equal(response.status, 201);
  return ((await response.json()) as { token: string }).token;
}

async function errorOf(response: Response, status: number, code: string): Promise<string> {
  const body = (await response.json()) as { code: string; error: string };
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.code, code);
  return body.error;
}

describe('pairing and node admin routes (/admin/v1)', () => {
  before(async () => {
    daemon = await startDaemon();
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('POST /pairing/codes → 201 with a join string carrying the code id, a 43-char secret and the CA fingerprint', async () => {
    const startedMs = Date.now();
    const response = await post('/admin/v1/pairing/codes', { ttl_seconds: 120, auto_approve: true });
    assert.equal(response.status, 201);
    const code = (await response.json()) as CodeBody;
    assert.deepEqual(Object.keys(code).sort(), ['auto_approve', 'ca_fingerprint', 'code_id', 'expires_at_unix_ms', 'join_string']);
    assert.match(code.code_id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.match(code.ca_fingerprint, /^[0-9a-f]{64}$/);
    assert.match(code.join_string, JOIN_STRING);
    const join = parseJoinString(code.join_string);
    assert.equal(join.codeId, code.code_id);
    assert.equal(join.caFingerprint, code.ca_fingerprint);
    assert.equal(join.address, daemon.ready.quic, 'the address the Node RPC listener is bound to');
    assert.equal(code.auto_approve, true);
    assert.ok(code.expires_at_unix_ms >= startedMs + 120_000 && code.expires_at_unix_ms <= Date.now() + 120_000);
  });

  test('POST /pairing/codes with {} → 10-minute default, not auto-approved; each code is new', async () => {
    const [first, second] = await Promise.all([post('/admin/v1/pairing/codes', {}), post('/admin/v1/pairing/codes', {})]);
    const a = (await first?.json()) as CodeBody;
    const b = (await second?.json()) as CodeBody;
    assert.equal(a.auto_approve, false);
    assert.ok(Math.abs(a.expires_at_unix_ms - (Date.now() + 600_000)) < 5_000);
    assert.notEqual(a.code_id, b.code_id);
    assert.notEqual(parseJoinString(a.join_string).secret, parseJoinString(b.join_string).secret);
  });

  test('POST /pairing/codes with ttl_seconds below 30 s → clamped to 30 s', async () => {
    const code = (await (await post('/admin/v1/pairing/codes', { ttl_seconds: 1 })).json()) as CodeBody;
    assert.ok(Math.abs(code.expires_at_unix_ms - (Date.now() + 30_000)) < 5_000);
  });

  test('POST /pairing/codes with an unknown field or a negative ttl → 400 invalid_argument', async () => {
    await errorOf(await post('/admin/v1/pairing/codes', { ttl: 60 }), 400, 'invalid_argument');
    await errorOf(await post('/admin/v1/pairing/codes', { ttl_seconds: -1 }), 400, 'invalid_argument');
  });

  test('the join string secret is never written to the journal', async () => {
    const code = (await (await post('/admin/v1/pairing/codes', {})).json()) as CodeBody;
    const journal = await (await daemon.admin('/admin/v1/journal/events?limit=1000')).text();
    assert.ok(journal.includes(code.code_id), 'the code creation is journaled');
    assert.ok(!journal.includes(parseJoinString(code.join_string).secret));
  });

  test('GET /pairing/requests with no node having paired → 200, empty list', async () => {
    for (const query of ['', '?state=pending', '?state=completed&limit=5']) {
      const response = await daemon.admin(`/admin/v1/pairing/requests${query}`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { requests: [], next_after_pairing_id: null });
    }
  });

  test('GET /pairing/requests?state=bogus → 400', async () => {
    await errorOf(await daemon.admin('/admin/v1/pairing/requests?state=bogus'), 400, 'invalid_argument');
  });

  test('approve / reject of an unknown pairing id → 404 not_found; a malformed id → 400', async () => {
    for (const verb of ['approve', 'reject']) {
      assert.match(await errorOf(await post(`/admin/v1/pairing/requests/${newId()}/${verb}`, {}), 404, 'not_found'), /pairing request/);
      await errorOf(await post(`/admin/v1/pairing/requests/not-an-id/${verb}`, {}), 400, 'invalid_argument');
    }
  });

  test('GET /nodes before any pairing → 200, empty list', async () => {
    const response = await daemon.admin('/admin/v1/nodes');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { nodes: [], next_after_device_id: null });
  });

  test('POST /nodes/:id/invoke on an unknown device → 404 not_found; a malformed capability → 400', async () => {
    assert.match(await errorOf(await post(`/admin/v1/nodes/${newId()}/invoke`, { capability: 'echo', input: { text: 'hi' } }), 404, 'not_found'), /node/);
    await errorOf(await post(`/admin/v1/nodes/${newId()}/invoke`, { capability: 'bad capability!' }), 400, 'invalid_argument');
    await errorOf(await post(`/admin/v1/nodes/${newId()}/invoke`, { input: 1 }), 400, 'invalid_argument');
  });

  test('POST /nodes/:id/revoke of an unknown device → 404; GET /nodes/tasks/:id unknown → 404', async () => {
    await errorOf(await post(`/admin/v1/nodes/${newId()}/revoke`, { reason: 'gone' }), 404, 'not_found');
    await errorOf(await daemon.admin(`/admin/v1/nodes/tasks/${newId()}`), 404, 'not_found');
  });

  test('no token → 401 on every pairing and node route', async () => {
    const id = newId();
    const routes: Array<[string, string]> = [
      ['POST', '/pairing/codes'],
      ['GET', '/pairing/requests'],
      ['POST', `/pairing/requests/${id}/approve`],
      ['POST', `/pairing/requests/${id}/reject`],
      ['GET', '/nodes'],
      ['POST', `/nodes/${id}/invoke`],
      ['POST', `/nodes/${id}/revoke`],
      ['GET', `/nodes/tasks/${id}`],
    ];
    for (const [method, path] of routes) {
      const response = await fetch(`${daemon.ready.http}/admin/v1${path}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{"capability":"echo"}' } : {}),
      });
      await errorOf(response, 401, 'unauthenticated');
    }
  });

  test('a token with devices:read/nodes:read only → reads 200, pairing writes 403 (devices:write), invoke 403 (nodes:write)', async () => {
    const token = await mintToken(['devices:read', 'nodes:read']);
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await daemon.admin('/admin/v1/pairing/requests', { headers: auth })).status, 200);
    assert.equal((await daemon.admin('/admin/v1/nodes', { headers: auth })).status, 200);
    assert.match(await errorOf(await post('/admin/v1/pairing/codes', {}, auth), 403, 'permission_denied'), /devices:write/);
    assert.match(await errorOf(await post(`/admin/v1/pairing/requests/${newId()}/approve`, {}, auth), 403, 'permission_denied'), /devices:write/);
    assert.match(await errorOf(await post(`/admin/v1/nodes/${newId()}/revoke`, {}, auth), 403, 'permission_denied'), /devices:write/);
    assert.match(await errorOf(await post(`/admin/v1/nodes/${newId()}/invoke`, { capability: 'echo' }, auth), 403, 'permission_denied'), /nodes:write/);
  });

  test('a token with devices:write only → creates a code (201) but cannot list nodes (403 nodes:read)', async () => {
    const auth = { authorization: `Bearer ${await mintToken(['devices:write'])}` };
    assert.equal((await post('/admin/v1/pairing/codes', {}, auth)).status, 201);
    assert.match(await errorOf(await daemon.admin('/admin/v1/nodes', { headers: auth }), 403, 'permission_denied'), /nodes:read/);
    assert.match(await errorOf(await daemon.admin(`/admin/v1/nodes/tasks/${newId()}`, { headers: auth }), 403, 'permission_denied'), /nodes:read/);
  });
});

describe('pairing and node routes (/console/v1)', () => {
  before(async () => {
    daemon = await startDaemon();
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('signed-in console with CSRF → create a code (201), list requests and nodes (200)', async () => {
    const session = await consoleLogin(daemon);
    const created = await session.request('/pairing/codes', { method: 'POST', body: JSON.stringify({ ttl_seconds: 60 }) });
    assert.equal(created.status, 201);
    assert.match(((await created.json()) as CodeBody).join_string, /^palyra-pair:v1:/);
    assert.equal((await session.request('/pairing/requests')).status, 200);
    assert.deepEqual(await (await session.request('/nodes')).json(), { nodes: [], next_after_device_id: null });
  });

  test('console POST without the CSRF token → 403; without a session → 401; unknown device revoke → 404', async () => {
    const session = await consoleLogin(daemon);
    await errorOf(await session.request('/pairing/codes', { method: 'POST', body: '{}', csrf: null }), 403, 'permission_denied');
    await errorOf(await fetch(`${daemon.ready.http}/console/v1/nodes`), 401, 'unauthenticated');
    await errorOf(await session.request(`/nodes/${newId()}/revoke`, { method: 'POST', body: '{}' }), 404, 'not_found');
  });
});

describe('join strings carry quic.advertise', () => {
  for (const [advertise, expected] of [
    ['nodes.example.test:9999', () => 'nodes.example.test:9999'],
    ['nodes.example.test', (port: number) => `nodes.example.test:${port}`],
    ['[fd00::7]', (port: number) => `[fd00::7]:${port}`],
  ] as const) {
    test(`PALYRA_QUIC_ADVERTISE=${advertise} → the join string names ${expected(7444).replace('7444', '<bound port>')}`, async () => {
      const advertised = await startDaemon({ env: { PALYRA_QUIC_ADVERTISE: advertise } });
      try {
        const response = await advertised.admin('/admin/v1/pairing/codes', { method: 'POST', body: '{}' });
        assert.equal(response.status, 201);
        const join = parseJoinString(((await response.json()) as CodeBody).join_string);
        const boundPort = Number(/:(\d+)$/.exec(advertised.ready.quic ?? '')?.[1]);
        assert.equal(join.address, expected(boundPort));
      } finally {
        await advertised.stop();
        removeStateDir(advertised.stateDir);
      }
    });
  }
});
