// Auth conformance matrix: every HTTP route × every credential situation → the exact status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ConsoleSession, consoleLogin, TEST_DEVICE_ID } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

type Kind = 'bearer' | 'console' | 'public';

interface Route {
  method: 'GET' | 'POST';
  /** May name fixtures: :run, :token, :approval1, :approval2, :session, :chatSession. */
  path: string;
  kind: Kind;
  valid: number;
  body?: unknown;
  /** The one scope the route needs (bearer routes); undefined = any valid credential. */
  scope?: string;
}

const FOREIGN_ORIGIN = 'https://evil.example';

const ROUTES: Route[] = [
  { method: 'GET', path: '/healthz', kind: 'public', valid: 200 },
  { method: 'GET', path: '/readyz', kind: 'public', valid: 200 },
  { method: 'GET', path: '/metrics', kind: 'bearer', valid: 200, scope: 'status:read' },
  { method: 'GET', path: '/admin/v1/status', kind: 'bearer', valid: 200, scope: 'status:read' },
  { method: 'GET', path: '/admin/v1/openapi.json', kind: 'bearer', valid: 200 },
  { method: 'POST', path: '/admin/v1/runs', kind: 'bearer', valid: 202, body: { prompt: 'matrix', wait: false }, scope: 'runs:write' },
  { method: 'GET', path: '/admin/v1/runs/:run', kind: 'bearer', valid: 200, scope: 'runs:read' },
  { method: 'GET', path: '/admin/v1/runs/:run/tape', kind: 'bearer', valid: 200, scope: 'runs:read' },
  // The fixture run has finished, and a finished run cannot be cancelled (412 failed_precondition).
  { method: 'POST', path: '/admin/v1/runs/:run/cancel', kind: 'bearer', valid: 412, body: {}, scope: 'runs:write' },
  { method: 'GET', path: '/admin/v1/journal/events', kind: 'bearer', valid: 200, scope: 'journal:read' },
  { method: 'POST', path: '/admin/v1/journal/events', kind: 'bearer', valid: 201, body: { kind: 'matrix.event', actor: 'user', payload: {} }, scope: 'journal:write' },
  { method: 'GET', path: '/admin/v1/journal/verify', kind: 'bearer', valid: 200, scope: 'journal:read' },
  { method: 'GET', path: '/admin/v1/api-tokens', kind: 'bearer', valid: 200, scope: 'tokens:read' },
  { method: 'POST', path: '/admin/v1/api-tokens', kind: 'bearer', valid: 201, body: { name: 'matrix', principal: 'user:matrix', scopes: ['runs:read'] }, scope: 'tokens:write' },
  { method: 'POST', path: '/admin/v1/api-tokens/:token/revoke', kind: 'bearer', valid: 200, scope: 'tokens:write' },
  { method: 'GET', path: '/admin/v1/session-tokens', kind: 'bearer', valid: 200, scope: 'tokens:read' },
  { method: 'POST', path: '/admin/v1/session-tokens/01ARZ3NDEKTSV4RRFFQ69G5FB0/revoke', kind: 'bearer', valid: 404, scope: 'tokens:write' },
  { method: 'GET', path: '/admin/v1/approvals', kind: 'bearer', valid: 200, scope: 'approvals:read' },
  { method: 'GET', path: '/admin/v1/approvals/:approval1', kind: 'bearer', valid: 200, scope: 'approvals:read' },
  { method: 'POST', path: '/admin/v1/approvals/:approval1/decision', kind: 'bearer', valid: 200, body: { approved: false, reason: 'matrix' }, scope: 'approvals:write' },
  { method: 'POST', path: '/admin/v1/pairing/codes', kind: 'bearer', valid: 201, body: {}, scope: 'devices:write' },
  { method: 'GET', path: '/admin/v1/pairing/requests', kind: 'bearer', valid: 200, scope: 'devices:read' },
  { method: 'POST', path: '/admin/v1/pairing/requests/01ARZ3NDEKTSV4RRFFQ69G5FB0/approve', kind: 'bearer', valid: 404, body: {}, scope: 'devices:write' },
  { method: 'POST', path: '/admin/v1/pairing/requests/01ARZ3NDEKTSV4RRFFQ69G5FB0/reject', kind: 'bearer', valid: 404, body: {}, scope: 'devices:write' },
  { method: 'GET', path: '/admin/v1/nodes', kind: 'bearer', valid: 200, scope: 'nodes:read' },
  { method: 'POST', path: '/admin/v1/nodes/01ARZ3NDEKTSV4RRFFQ69G5FB0/invoke', kind: 'bearer', valid: 404, body: { capability: 'echo' }, scope: 'nodes:write' },
  { method: 'POST', path: '/admin/v1/nodes/01ARZ3NDEKTSV4RRFFQ69G5FB0/revoke', kind: 'bearer', valid: 404, body: {}, scope: 'devices:write' },
  { method: 'GET', path: '/admin/v1/nodes/tasks/01ARZ3NDEKTSV4RRFFQ69G5FB0', kind: 'bearer', valid: 404, scope: 'nodes:read' },
  { method: 'GET', path: '/console/v1/auth/session', kind: 'console', valid: 200 },
  { method: 'POST', path: '/console/v1/auth/logout', kind: 'console', valid: 200 },
  { method: 'GET', path: '/console/v1/sessions', kind: 'console', valid: 200 },
  { method: 'POST', path: '/console/v1/sessions', kind: 'console', valid: 201, body: {} },
  { method: 'POST', path: '/console/v1/sessions/:session/archive', kind: 'console', valid: 200 },
  { method: 'POST', path: '/console/v1/chat/sessions/:chatSession/messages', kind: 'console', valid: 200, body: { text: 'hello' } },
  { method: 'GET', path: '/console/v1/runs/:run', kind: 'console', valid: 200 },
  { method: 'GET', path: '/console/v1/runs/:run/events', kind: 'console', valid: 200 },
  { method: 'POST', path: '/console/v1/runs/:run/abort', kind: 'console', valid: 412, body: {} },
  { method: 'GET', path: '/console/v1/approvals', kind: 'console', valid: 200 },
  { method: 'GET', path: '/console/v1/approvals/:approval2', kind: 'console', valid: 200 },
  { method: 'POST', path: '/console/v1/approvals/:approval2/decision', kind: 'console', valid: 200, body: { approved: false } },
  { method: 'POST', path: '/console/v1/pairing/codes', kind: 'console', valid: 201, body: {} },
  { method: 'GET', path: '/console/v1/pairing/requests', kind: 'console', valid: 200 },
  { method: 'POST', path: '/console/v1/pairing/requests/01ARZ3NDEKTSV4RRFFQ69G5FB0/approve', kind: 'console', valid: 404, body: {} },
  { method: 'POST', path: '/console/v1/pairing/requests/01ARZ3NDEKTSV4RRFFQ69G5FB0/reject', kind: 'console', valid: 404, body: {} },
  { method: 'GET', path: '/console/v1/nodes', kind: 'console', valid: 200 },
  { method: 'POST', path: '/console/v1/nodes/01ARZ3NDEKTSV4RRFFQ69G5FB0/invoke', kind: 'console', valid: 404, body: { capability: 'echo' } },
  { method: 'POST', path: '/console/v1/nodes/01ARZ3NDEKTSV4RRFFQ69G5FB0/revoke', kind: 'console', valid: 404, body: {} },
  { method: 'GET', path: '/console/v1/nodes/tasks/01ARZ3NDEKTSV4RRFFQ69G5FB0', kind: 'console', valid: 404 },
  { method: 'GET', path: '/console/v1/diagnostics', kind: 'console', valid: 200 },
  { method: 'GET', path: '/console/v1/audit/events', kind: 'console', valid: 200 },
];

interface Fixtures {
  ids: Record<string, string>;
  /** Tokens holding exactly one scope each. */
  scoped: Map<string, string>;
  revokedToken: string;
  session: ConsoleSession;
  revokedSession: ConsoleSession;
}

let daemon: TestDaemon;
let fx: Fixtures;

async function adminJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await daemon.admin(path, init);
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function mintToken(scopes: string[], principal = 'user:matrix'): Promise<{ token: string; token_id: string }> {
  return adminJson('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'matrix', principal, scopes }) });
}

async function pendingApprovals(count: number): Promise<string[]> {
  for (let i = 0; i < count; i += 1) {
    await adminJson('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: '@tool palyra.process.run {"command":"echo","args":[]}', wait: false }) });
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const page = await adminJson<{ approvals: { approval_id: string }[] }>('/admin/v1/approvals?pending=true');
    if (page.approvals.length >= count) return page.approvals.map((approval) => approval.approval_id);
    if (Date.now() > deadline) throw new Error('approvals did not appear');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function fill(path: string): string {
  return path.replace(/:([A-Za-z0-9]+)/g, (_, name: string) => {
    const id = fx.ids[name];
    if (!id) throw new Error(`no fixture for :${name}`);
    return id;
  });
}

async function send(route: Route, headers: Record<string, string>): Promise<number> {
  const hasBody = route.method === 'POST';
  const response = await fetch(`${daemon.ready.http}${fill(route.path)}`, {
    method: route.method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(hasBody ? { body: JSON.stringify(route.body ?? {}) } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

const unsafe = (route: Route) => route.method !== 'GET';

/** A credential situation: the headers it sends and the status it must get on `route`. */
interface Scenario {
  name: string;
  headers(route: Route): Record<string, string>;
  expect(route: Route): number;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const withCookie = (session: ConsoleSession, csrf?: string) => ({ cookie: session.cookie, ...(csrf !== undefined ? { 'x-palyra-csrf-token': csrf } : {}) });

function tokenLacking(scope: string | undefined): string {
  const other = [...fx.scoped.keys()].find((candidate) => candidate !== scope) as string;
  return fx.scoped.get(other) as string;
}

const SCENARIOS: Record<Kind, Scenario[]> = {
  public: [
    { name: 'no credential', headers: () => ({}), expect: (route) => route.valid },
    { name: 'bad token', headers: () => bearer('not-a-token'), expect: (route) => route.valid },
  ],
  bearer: [
    { name: 'no credential', headers: () => ({}), expect: () => 401 },
    { name: 'bad token', headers: () => bearer('not-a-token'), expect: () => 401 },
    { name: 'revoked API token', headers: () => bearer(fx.revokedToken), expect: () => 401 },
    { name: 'console session cookie instead of a token', headers: () => withCookie(fx.session, fx.session.csrf), expect: () => 401 },
    { name: 'scoped token without the scope', headers: (route) => bearer(tokenLacking(route.scope)), expect: (route) => (route.scope ? 403 : route.valid) },
    { name: 'foreign Origin', headers: () => ({ ...bearer(daemon.adminToken), origin: FOREIGN_ORIGIN }), expect: (route) => (unsafe(route) ? 403 : route.valid) },
    { name: 'foreign Origin without credential', headers: () => ({ origin: FOREIGN_ORIGIN }), expect: (route) => (unsafe(route) ? 403 : 401) },
    { name: 'valid', headers: () => bearer(daemon.adminToken), expect: (route) => route.valid },
  ],
  console: [
    { name: 'no credential', headers: () => ({}), expect: () => 401 },
    { name: 'bad session cookie', headers: () => ({ cookie: 'palyra_console_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), expect: () => 401 },
    { name: 'signed-out session', headers: () => withCookie(fx.revokedSession, fx.revokedSession.csrf), expect: () => 401 },
    { name: 'admin bearer token instead of a session', headers: () => bearer(daemon.adminToken), expect: () => 401 },
    { name: 'valid session without CSRF', headers: () => withCookie(fx.session), expect: (route) => (unsafe(route) ? 403 : route.valid) },
    { name: 'valid session with wrong CSRF', headers: () => withCookie(fx.session, 'wrong-csrf-token'), expect: (route) => (unsafe(route) ? 403 : route.valid) },
    {
      name: 'foreign Origin',
      headers: () => ({ ...withCookie(fx.session, fx.session.csrf), origin: FOREIGN_ORIGIN }),
      expect: (route) => (unsafe(route) ? 403 : route.valid),
    },
    { name: 'valid', headers: () => withCookie(fx.session, fx.session.csrf), expect: (route) => route.valid },
  ],
};

describe('HTTP auth conformance matrix', () => {
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    const run = await adminJson<{ run_id: string }>('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'hello' }) });
    const scoped = new Map<string, string>();
    for (const scope of ['journal:read', 'runs:read']) scoped.set(scope, (await mintToken([scope])).token);
    const revoked = await mintToken(['runs:read']);
    await adminJson(`/admin/v1/api-tokens/${revoked.token_id}/revoke`, { method: 'POST', body: '{}' });
    const toRevoke = await mintToken(['runs:read']);
    const session = await consoleLogin(daemon);
    const revokedSession = await consoleLogin(daemon);
    assert.equal((await revokedSession.request('/auth/logout', { method: 'POST', body: '{}' })).status, 200);
    const archived = (await (await session.request('/sessions', { method: 'POST', body: '{}' })).json()) as { session: { session_id: string } };
    const chat = (await (await session.request('/sessions', { method: 'POST', body: '{}' })).json()) as { session: { session_id: string } };
    const [approval1, approval2] = await pendingApprovals(2);
    fx = {
      ids: { run: run.run_id, token: toRevoke.token_id, approval1: approval1 as string, approval2: approval2 as string, session: archived.session.session_id, chatSession: chat.session.session_id },
      scoped,
      revokedToken: revoked.token,
      session,
      revokedSession,
    };
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  for (const route of ROUTES) {
    for (const scenario of SCENARIOS[route.kind]) {
      const logoutValid = route.path.endsWith('/auth/logout') && scenario.name === 'valid';
      test(`${route.method} ${route.path}, ${scenario.name} → ${scenario.expect(route)}`, async () => {
        // Signing out in the valid case would end the shared session: use a session of its own.
        const own = logoutValid ? await consoleLogin(daemon) : undefined;
        const headers = own ? withCookie(own, own.csrf) : scenario.headers(route);
        assert.equal(await send(route, headers), scenario.expect(route));
      });
    }
  }

  describe('POST /console/v1/auth/login', () => {
    const login = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      fetch(`${daemon.ready.http}/console/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const valid = () => ({ admin_token: daemon.adminToken, principal: 'admin:matrix', device_id: TEST_DEVICE_ID });

    test('valid admin token and admin principal → 200', async () => {
      assert.equal((await login(valid())).status, 200);
    });
    test('wrong admin token → 401', async () => {
      assert.equal((await login({ ...valid(), admin_token: 'wrong-token' })).status, 401);
    });
    test('an API token of an admin principal instead of the admin token → 403', async () => {
      const token = await mintToken(['runs:read'], 'admin:apitoken');
      assert.equal((await login({ ...valid(), admin_token: token.token, principal: 'admin:apitoken' })).status, 403);
    });
    test('admin token with a user principal → 403', async () => {
      assert.equal((await login({ ...valid(), principal: 'user:someone' })).status, 403);
    });
    test('foreign Origin → 403', async () => {
      assert.equal((await login(valid(), { origin: FOREIGN_ORIGIN })).status, 403);
    });
    test('allowed same Origin → 200', async () => {
      assert.equal((await login(valid(), { origin: daemon.ready.http })).status, 200);
    });
  });
});
