// Auth conformance matrix: every HTTP route × every credential situation → the exact status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ConsoleSession, consoleLogin, TEST_DEVICE_ID } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

type Kind = 'bearer' | 'console' | 'canvas' | 'public';

/** One operation of the OpenAPI document, with what this test needs to call it; its credential and scope come from the document. */
interface Row {
  /** `METHOD /path` exactly as the OpenAPI document names it. */
  operation: string;
  /** What fills the path parameter: a fixture name (run, token, approval1, …) or a literal id. */
  id?: string;
  /** The fixture the "only that scope" case uses instead of `id` (for operations that cannot be repeated). */
  scopedId?: string;
  valid: number;
  body?: unknown;
}

interface Route extends Row {
  method: 'GET' | 'POST';
  path: string;
  kind: Kind;
  /** The one scope the operation needs (bearer operations); undefined = any valid credential. */
  scope?: string;
}

const FOREIGN_ORIGIN = 'https://evil.example';
const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FB0';

const ROWS: Row[] = [
  { operation: 'GET /healthz', valid: 200 },
  { operation: 'GET /readyz', valid: 200 },
  { operation: 'GET /metrics', valid: 200 },
  { operation: 'GET /admin/v1/status', valid: 200 },
  { operation: 'GET /admin/v1/tools', valid: 200 },
  { operation: 'GET /admin/v1/openapi.json', valid: 200 },
  { operation: 'POST /admin/v1/runs', valid: 202, body: { prompt: 'matrix', wait: false } },
  { operation: 'GET /admin/v1/runs/{id}', id: 'run', valid: 200 },
  { operation: 'GET /admin/v1/runs/{id}/tape', id: 'run', valid: 200 },
  // The fixture run has finished, and a finished run cannot be cancelled (412 failed_precondition).
  { operation: 'POST /admin/v1/runs/{id}/cancel', id: 'run', valid: 412, body: {} },
  { operation: 'GET /admin/v1/journal/events', valid: 200 },
  { operation: 'POST /admin/v1/journal/events', valid: 201, body: { kind: 'matrix.event', actor: 'user', payload: {} } },
  { operation: 'GET /admin/v1/journal/verify', valid: 200 },
  { operation: 'GET /admin/v1/api-tokens', valid: 200 },
  // Only scopes the caller holds may be delegated: tokens:write is the one both callers have.
  { operation: 'POST /admin/v1/api-tokens', valid: 201, body: { name: 'matrix', principal: 'user:matrix', scopes: ['tokens:write'] } },
  { operation: 'POST /admin/v1/api-tokens/{id}/revoke', id: 'token', valid: 200 },
  { operation: 'GET /admin/v1/session-tokens', valid: 200 },
  { operation: 'POST /admin/v1/session-tokens/{id}/revoke', id: UNKNOWN_ID, valid: 404 },
  { operation: 'GET /admin/v1/approvals', valid: 200 },
  { operation: 'GET /admin/v1/approvals/{id}', id: 'approval1', valid: 200 },
  { operation: 'POST /admin/v1/approvals/{id}/decision', id: 'approval1', scopedId: 'approval3', valid: 200, body: { approved: false, reason: 'matrix' } },
  { operation: 'POST /admin/v1/pairing/codes', valid: 201, body: {} },
  { operation: 'GET /admin/v1/pairing/requests', valid: 200 },
  { operation: 'POST /admin/v1/pairing/requests/{id}/approve', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'POST /admin/v1/pairing/requests/{id}/reject', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /admin/v1/nodes', valid: 200 },
  { operation: 'POST /admin/v1/nodes/{id}/invoke', id: UNKNOWN_ID, valid: 404, body: { capability: 'echo' } },
  { operation: 'POST /admin/v1/nodes/{id}/revoke', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /admin/v1/nodes/tasks/{task_id}', id: UNKNOWN_ID, valid: 404 },
  { operation: 'POST /console/v1/auth/login', valid: 400, body: {} },
  { operation: 'GET /console/v1/auth/session', valid: 200 },
  { operation: 'POST /console/v1/auth/logout', valid: 200 },
  { operation: 'GET /console/v1/sessions', valid: 200 },
  { operation: 'POST /console/v1/sessions', valid: 201, body: {} },
  { operation: 'POST /console/v1/sessions/{id}/archive', id: 'session', valid: 200 },
  { operation: 'POST /console/v1/chat/sessions/{id}/messages', id: 'chatSession', valid: 200, body: { text: 'hello' } },
  { operation: 'GET /console/v1/runs/{id}', id: 'run', valid: 200 },
  { operation: 'GET /console/v1/runs/{id}/events', id: 'run', valid: 200 },
  { operation: 'POST /console/v1/runs/{id}/abort', id: 'run', valid: 412, body: {} },
  { operation: 'GET /console/v1/approvals', valid: 200 },
  { operation: 'GET /console/v1/approvals/{id}', id: 'approval2', valid: 200 },
  { operation: 'POST /console/v1/approvals/{id}/decision', id: 'approval2', valid: 200, body: { approved: false } },
  { operation: 'POST /console/v1/pairing/codes', valid: 201, body: {} },
  { operation: 'GET /console/v1/pairing/requests', valid: 200 },
  { operation: 'POST /console/v1/pairing/requests/{id}/approve', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'POST /console/v1/pairing/requests/{id}/reject', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /console/v1/nodes', valid: 200 },
  { operation: 'POST /console/v1/nodes/{id}/invoke', id: UNKNOWN_ID, valid: 404, body: { capability: 'echo' } },
  { operation: 'POST /console/v1/nodes/{id}/revoke', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /console/v1/nodes/tasks/{task_id}', id: UNKNOWN_ID, valid: 404 },
  { operation: 'GET /console/v1/diagnostics', valid: 200 },
  { operation: 'GET /console/v1/audit/events', valid: 200 },
  { operation: 'POST /console/v1/audit/verify', valid: 200 },
  { operation: 'GET /console/v1/metrics/history', valid: 200 },
  { operation: 'GET /console/v1/events', valid: 200 },
  { operation: 'GET /console/v1/runs', valid: 200 },
  { operation: 'GET /console/v1/api-tokens', valid: 200 },
  { operation: 'POST /console/v1/api-tokens', valid: 201, body: { name: 'matrix-console', principal: 'user:matrix', scopes: ['tokens:write'] } },
  { operation: 'POST /console/v1/api-tokens/{id}/revoke', id: UNKNOWN_ID, valid: 404 },
  { operation: 'GET /console/v1/chat/sessions/{id}/canvases', id: 'chatSession', valid: 200 },
  { operation: 'POST /console/v1/canvases/{id}/token', id: 'canvas', valid: 200, body: {} },
  { operation: 'POST /console/v1/canvases/{id}/actions', id: 'canvas', valid: 202, body: { version: 1, action: 'ok', values: {} } },
  { operation: 'GET /canvas/v1/runtime.js', valid: 200 },
  { operation: 'GET /canvas/v1/runtime.css', valid: 200 },
  { operation: 'GET /canvas/v1/frame/{id}', id: 'canvas', valid: 200 },
  { operation: 'GET /canvas/v1/state/{id}', id: 'canvas', valid: 200 },
  { operation: 'GET /canvas/v1/events/{id}', id: 'canvas', valid: 200 },
  // The bundle is empty: a valid token reaches the lookup, which finds no asset.
  { operation: 'GET /canvas/v1/bundle/{id}/{*}', id: 'canvas', valid: 404 },
  { operation: 'GET /admin/v1/browser/sessions', valid: 200 },
  // The matrix daemon runs without a browser service: opening a session is refused as failed_precondition.
  { operation: 'POST /admin/v1/browser/sessions', valid: 412, body: {} },
  { operation: 'POST /admin/v1/browser/sessions/{id}/navigate', id: UNKNOWN_ID, valid: 404, body: { url: 'http://127.0.0.2/' } },
  { operation: 'POST /admin/v1/browser/sessions/{id}/screenshot', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /admin/v1/browser/sessions/{id}/actions', id: UNKNOWN_ID, valid: 404 },
  { operation: 'GET /admin/v1/browser/sessions/{id}/screenshot', id: UNKNOWN_ID, valid: 404 },
  { operation: 'POST /admin/v1/browser/sessions/{id}/close', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /admin/v1/browser/artifacts/{id}', id: UNKNOWN_ID, valid: 404 },
  { operation: 'GET /console/v1/browser/sessions', valid: 200 },
  // The matrix daemon runs without a browser service: opening a session is refused as failed_precondition.
  { operation: 'POST /console/v1/browser/sessions', valid: 412, body: {} },
  { operation: 'POST /console/v1/browser/sessions/{id}/navigate', id: UNKNOWN_ID, valid: 404, body: { url: 'http://127.0.0.2/' } },
  { operation: 'POST /console/v1/browser/sessions/{id}/screenshot', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /console/v1/browser/sessions/{id}/actions', id: UNKNOWN_ID, valid: 404 },
  { operation: 'GET /console/v1/browser/sessions/{id}/screenshot', id: UNKNOWN_ID, valid: 404 },
  { operation: 'POST /console/v1/browser/sessions/{id}/close', id: UNKNOWN_ID, valid: 404, body: {} },
  { operation: 'GET /console/v1/browser/artifacts/{id}', id: UNKNOWN_ID, valid: 404 },
  // Last: rotating the key ends the canvas token the rows above use.
  { operation: 'POST /admin/v1/canvas/token-key/rotate', valid: 200, body: {} },
];

type SecurityRequirement = Record<string, string[]>;
interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: SecurityRequirement[] }>>;
}

/** Every operation of the document as `METHOD /path` → its declared security. */
function documentedOperations(document: OpenApiDocument): Map<string, SecurityRequirement[] | undefined> {
  const operations = new Map<string, SecurityRequirement[] | undefined>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) operations.set(`${method.toUpperCase()} ${path}`, operation.security);
  }
  return operations;
}

/** A row as a route: credential kind and scope from the document's one security requirement. */
function toRoute(row: Row, security: SecurityRequirement[]): Route {
  const [method, path] = row.operation.split(' ') as ['GET' | 'POST', string];
  const [requirement] = security;
  const scheme = requirement ? Object.keys(requirement)[0] : undefined;
  const kind: Kind = scheme === 'bearer' ? 'bearer' : scheme === 'consoleSession' ? 'console' : scheme === 'canvasToken' ? 'canvas' : 'public';
  const scope = requirement && scheme ? requirement[scheme]?.[0] : undefined;
  return { ...row, method, path, kind, ...(scope ? { scope } : {}) };
}

interface Fixtures {
  ids: Record<string, string>;
  /** Tokens of an admin principal holding exactly one scope each, by scope. */
  scoped: Map<string, string>;
  revokedToken: string;
  session: ConsoleSession;
  revokedSession: ConsoleSession;
  /** A canvas token opening the `canvas` fixture, and one opening another canvas. */
  canvasToken: string;
  otherCanvasToken: string;
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

/** The route's path with its `{…}` parameter filled from the fixtures (or the literal id). */
function fill(route: Route, id = route.id): string {
  return route.path.replace('{*}', 'missing.png').replace(/\{[a-z_]+\}/, () => {
    const value = id === undefined ? undefined : (fx.ids[id] ?? id);
    if (!value) throw new Error(`no fixture for ${route.operation}`);
    return value;
  });
}

async function send(route: Route, headers: Record<string, string>, id?: string, query = ''): Promise<number> {
  const hasBody = route.method === 'POST';
  const response = await fetch(`${daemon.ready.http}${fill(route, id)}${query}`, {
    method: route.method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(hasBody ? { body: JSON.stringify(route.body ?? {}) } : {}),
  });
  // A live stream (GET /console/v1/events) never ends: its status is the answer.
  if (response.headers.get('content-type')?.startsWith('text/event-stream') && response.status === 200) await response.body?.cancel();
  else await response.arrayBuffer();
  return response.status;
}

const unsafe = (route: Route) => route.method !== 'GET';

/** A credential situation: the headers it sends and the status it must get on `route`. */
interface Scenario {
  name: string;
  headers(route: Route): Record<string, string>;
  expect(route: Route): number;
  /** The path parameter it uses instead of the route's own. */
  id?(route: Route): string | undefined;
  /** A query string to append (canvas tokens travel in `?token`). */
  query?(): string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const withCookie = (session: ConsoleSession, csrf?: string) => ({ cookie: session.cookie, ...(csrf !== undefined ? { 'x-palyra-csrf-token': csrf } : {}) });

function tokenLacking(scope: string | undefined): string {
  const other = [...fx.scoped.keys()].find((candidate) => candidate !== scope) as string;
  return fx.scoped.get(other) as string;
}

/** The token holding only `scope`; any scoped token for an operation that needs none. */
function tokenWithOnly(scope: string | undefined): string {
  return (scope ? fx.scoped.get(scope) : fx.scoped.values().next().value) as string;
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
    { name: 'token with only the scope', headers: (route) => bearer(tokenWithOnly(route.scope)), expect: (route) => route.valid, id: (route) => route.scopedId ?? route.id },
    { name: 'foreign Origin', headers: () => ({ ...bearer(daemon.adminToken), origin: FOREIGN_ORIGIN }), expect: (route) => (unsafe(route) ? 403 : route.valid) },
    { name: 'foreign Origin without credential', headers: () => ({ origin: FOREIGN_ORIGIN }), expect: (route) => (unsafe(route) ? 403 : 401) },
    { name: 'valid', headers: () => bearer(daemon.adminToken), expect: (route) => route.valid },
  ],
  canvas: [
    { name: 'no token', headers: () => ({}), expect: () => 400 },
    { name: 'malformed token', headers: () => ({}), query: () => '?token=garbage', expect: () => 400 },
    { name: 'admin bearer token instead of a canvas token', headers: () => bearer(daemon.adminToken), expect: () => 400 },
    { name: 'token of another canvas', headers: () => ({}), query: () => `?token=${fx.otherCanvasToken}`, expect: () => 403 },
    { name: 'valid', headers: () => ({}), query: () => `?token=${fx.canvasToken}`, expect: (route) => route.valid },
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

// Tests are made from the daemon's own OpenAPI document, so the suite starts it while collecting them.
describe('HTTP auth conformance matrix', async () => {
  daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
  const documented = documentedOperations((await (await daemon.admin('/admin/v1/openapi.json')).json()) as OpenApiDocument);
  const routes = ROWS.filter((row) => documented.get(row.operation) !== undefined).map((row) => toRoute(row, documented.get(row.operation) as SecurityRequirement[]));
  const scopes = [...new Set(routes.flatMap((route) => (route.scope ? [route.scope] : [])))];

  before(async () => {
    const run = await adminJson<{ run_id: string }>('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'hello' }) });
    const scoped = new Map<string, string>();
    // An admin principal: ownership never refuses, so a refusal can only be the scope.
    for (const scope of scopes) scoped.set(scope, (await mintToken([scope], 'admin:matrix')).token);
    const revoked = await mintToken(['runs:read']);
    await adminJson(`/admin/v1/api-tokens/${revoked.token_id}/revoke`, { method: 'POST', body: '{}' });
    const toRevoke = await mintToken(['runs:read']);
    const session = await consoleLogin(daemon);
    const revokedSession = await consoleLogin(daemon);
    assert.equal((await revokedSession.request('/auth/logout', { method: 'POST', body: '{}' })).status, 200);
    const archived = (await (await session.request('/sessions', { method: 'POST', body: '{}' })).json()) as { session: { session_id: string } };
    const chat = (await (await session.request('/sessions', { method: 'POST', body: '{}' })).json()) as { session: { session_id: string } };
    const [approval1, approval2, approval3] = (await pendingApprovals(3)) as [string, string, string];
    const canvasIds: string[] = [];
    for (const title of ['matrix', 'other']) {
      await adminJson('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: `@tool palyra.canvas.create {"title":"${title}","state":{}}`, session_id: chat.session.session_id }) });
    }
    const listed = (await (await session.request(`/chat/sessions/${chat.session.session_id}/canvases`)).json()) as { canvases: { canvas_id: string }[] };
    for (const canvas of listed.canvases) canvasIds.push(canvas.canvas_id);
    const canvasToken = async (canvasId: string) => ((await (await session.request(`/canvases/${canvasId}/token`, { method: 'POST', body: '{}' })).json()) as { token: string }).token;
    fx = {
      ids: { run: run.run_id, token: toRevoke.token_id, approval1, approval2, approval3, session: archived.session.session_id, chatSession: chat.session.session_id, canvas: canvasIds[0] as string },
      scoped,
      revokedToken: revoked.token,
      session,
      revokedSession,
      canvasToken: await canvasToken(canvasIds[0] as string),
      otherCanvasToken: await canvasToken(canvasIds[1] as string),
    };
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('the OpenAPI document and this table list the same operations', () => {
    assert.deepEqual([...documented.keys()].sort(), ROWS.map((row) => row.operation).sort());
  });

  test('every operation declares its security: public ones [], the others one credential with at most one scope', () => {
    for (const [operation, security] of documented) {
      assert.ok(Array.isArray(security), `${operation} declares security`);
      assert.ok(security.length <= 1, `${operation}: one requirement`);
      for (const requirement of security) {
        const entries = Object.entries(requirement);
        assert.equal(entries.length, 1, `${operation}: one credential`);
        assert.ok((entries[0]?.[1].length ?? 0) <= 1, `${operation}: at most one scope`);
      }
    }
  });

  test('every bearer operation but the OpenAPI document itself needs exactly one scope', () => {
    const unscoped = routes.filter((route) => route.kind === 'bearer' && !route.scope).map((route) => route.operation);
    assert.deepEqual(unscoped, ['GET /admin/v1/openapi.json']);
  });

  for (const route of routes) {
    for (const scenario of SCENARIOS[route.kind]) {
      const logoutValid = route.path.endsWith('/auth/logout') && scenario.name === 'valid';
      test(`${route.operation}${route.scope ? ` (${route.scope})` : ''}, ${scenario.name} → ${scenario.expect(route)}`, async () => {
        // Signing out in the valid case would end the shared session: use a session of its own.
        const own = logoutValid ? await consoleLogin(daemon) : undefined;
        const headers = own ? withCookie(own, own.csrf) : scenario.headers(route);
        assert.equal(await send(route, headers, scenario.id?.(route) ?? route.id, scenario.query?.() ?? ''), scenario.expect(route));
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
