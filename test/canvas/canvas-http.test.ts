// /canvas/v1 against the real daemon: a canvas made by an agent run, its headers, tokens (400/403), state, SSE resume, bundle, restart.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ConsoleSession, consoleLogin } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { readSse } from '../helpers/sse.js';

let daemon: TestDaemon;
let operator: ConsoleSession;
let sessionId: string;
const ENV = { PALYRA_RUNS_MAX_TOOL_CALLS: '64', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '10000', PALYRA_HTTP_BODY_LIMIT_BYTES: '262144' };
const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

/** Runs one agent turn (built-in model) in the test session and returns its tool results. */
async function agent(prompt: string): Promise<{ success: boolean; output: Record<string, unknown> | null; error: string }[]> {
  const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, session_id: sessionId }) });
  const run = (await response.json()) as { run_id: string; state: string };
  assert.equal(run.state, 'done', JSON.stringify(run));
  const tape = (await (await daemon.admin(`/admin/v1/runs/${run.run_id}/tape?limit=1000`)).json()) as { events: { event_type: string; payload: Record<string, unknown> }[] };
  return tape.events
    .filter((event) => event.event_type === 'tool_result')
    .map((event) => ({ success: event.payload.success as boolean, output: JSON.parse(event.payload.output_json as string) as Record<string, unknown> | null, error: event.payload.error as string }));
}

async function createCanvas(state: unknown = { components: [{ type: 'text', text: 'hello' }] }, extra: Record<string, unknown> = {}): Promise<string> {
  const [result] = await agent(`@tool palyra.canvas.create ${JSON.stringify({ title: 'Board', state, ...extra })}`);
  assert.ok(result?.success, result?.error);
  return result.output?.canvas_id as string;
}

async function mintToken(canvasId: string, body: Record<string, unknown> = {}): Promise<{ token: string; frame_url: string; expires_at_unix_ms: number }> {
  const response = await operator.request(`/canvases/${canvasId}/token`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200);
  return (await response.json()) as { token: string; frame_url: string; expires_at_unix_ms: number };
}

const canvasGet = (path: string, headers: Record<string, string> = {}) => fetch(`${daemon.ready.http}/canvas/v1${path}`, { headers });

before(async () => {
  daemon = await startDaemon({ env: ENV });
  operator = await consoleLogin(daemon);
  sessionId = ((await (await operator.request('/sessions', { method: 'POST', body: '{}' })).json()) as { session: { session_id: string } }).session.session_id;
});
after(async () => {
  await daemon.stop();
  removeStateDir(daemon.stateDir);
});

describe('frame and runtime', () => {
  test('frame with a valid token → sandboxed HTML: CSP sandbox allow-scripts (no allow-same-origin), runtime-only scripts, console-only framing, no-store, nosniff', async () => {
    const canvasId = await createCanvas();
    const { frame_url } = await mintToken(canvasId);
    const response = await fetch(`${daemon.ready.http}${frame_url}`);
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /^sandbox allow-scripts;/);
    assert.doesNotMatch(csp, /allow-same-origin|unsafe-inline|unsafe-eval/);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, new RegExp(`script-src ${daemon.ready.http}/canvas/v1/runtime\\.js;`));
    assert.match(csp, new RegExp(`frame-ancestors ${daemon.ready.http}$`));
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('x-frame-options'), null);
    const html = await response.text();
    assert.match(html, /<script src="[^"]+\/canvas\/v1\/runtime\.js" data-canvas-id=/);
    assert.doesNotMatch(html, /hello/, 'the shell holds no state');
  });

  test('runtime.js and runtime.css are served without a token, as inert cross-origin resources', async () => {
    for (const [name, type] of [['runtime.js', 'text/javascript'], ['runtime.css', 'text/css']] as const) {
      const response = await canvasGet(`/${name}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(type));
      assert.equal(response.headers.get('cross-origin-resource-policy'), 'cross-origin');
      assert.ok((await response.text()).length > 100);
    }
  });
});

describe('canvas tokens', () => {
  test('no token or an over-long one → 400; malformed → 400; forged, for another canvas or expired → 403; none leaks state', async () => {
    const a = await createCanvas({ components: [{ type: 'text', text: 'secret-a' }] });
    const b = await createCanvas({ components: [{ type: 'text', text: 'secret-b' }] });
    const { token } = await mintToken(a);
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases: [string, number][] = [
      [`/state/${a}`, 400],
      [`/state/${a}?token=${'x'.repeat(1025)}`, 400],
      [`/state/${a}?token=not.a-token`, 400],
      [`/frame/${a}?token=garbage`, 400],
      [`/state/${a}?token=${forged}`, 403],
      [`/state/${b}?token=${token}`, 403],
      [`/frame/${b}?token=${token}`, 403],
      [`/events/${b}?token=${token}`, 403],
      [`/bundle/${b}/x.png?token=${token}`, 403],
    ];
    for (const [path, status] of cases) {
      const response = await canvasGet(path);
      const body = await response.text();
      assert.equal(response.status, status, `${path}: ${body}`);
      assert.doesNotMatch(body, /secret-/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
    const short = await mintToken(a, { ttl_ms: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await canvasGet(`/state/${a}?token=${short.token}`);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /expired/);
  });

  test('a signed-out console cannot mint; minting without CSRF → 403', async () => {
    const canvasId = await createCanvas();
    assert.equal((await operator.request(`/canvases/${canvasId}/token`, { method: 'POST', body: '{}', csrf: null })).status, 403);
    const anonymous = await fetch(`${daemon.ready.http}/console/v1/canvases/${canvasId}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(anonymous.status, 401);
  });
});

describe('state, events, bundle', () => {
  test('state → the current version; ?after_version at it → 204; update via the agent → the new one', async () => {
    const canvasId = await createCanvas({ components: [] });
    const { token } = await mintToken(canvasId);
    const first = (await (await canvasGet(`/state/${canvasId}?token=${token}`)).json()) as { version: number; closed: boolean };
    assert.deepEqual([first.version, first.closed], [1, false]);
    assert.equal((await canvasGet(`/state/${canvasId}?token=${token}&after_version=1`)).status, 204);
    const [updated] = await agent(`@tool palyra.canvas.update {"canvas_id":"${canvasId}","state":{"n":2},"expected_version":1}`);
    assert.equal(updated?.output?.version, 2);
    const [conflict] = await agent(`@tool palyra.canvas.update {"canvas_id":"${canvasId}","state":{"n":3},"expected_version":1}`);
    assert.match(conflict?.error ?? '', /^aborted: .*at version 2, not 1/);
    const second = (await (await canvasGet(`/state/${canvasId}?token=${token}&after_version=1`)).json()) as { version: number; state: unknown };
    assert.deepEqual([second.version, second.state], [2, { n: 2 }]);
  });

  test('events: pushed versions in order; a reconnect with Last-Event-ID resumes after it; the stream ends after close', async () => {
    const canvasId = await createCanvas({ n: 0 });
    const { token } = await mintToken(canvasId);
    const controller = new AbortController();
    const response = await canvasGet(`/events/${canvasId}?token=${token}`);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const frames = readSse(response.body as ReadableStream<Uint8Array>);
    assert.equal((await frames.next()).value?.id, '1');
    await agent(`@tool palyra.canvas.patch {"patch":[{"op":"replace","path":"/n","value":1}]}\n@tool palyra.canvas.update {"state":{"n":2}}`);
    assert.deepEqual([(await frames.next()).value?.id, (await frames.next()).value?.id], ['2', '3']);
    controller.abort();
    await frames.return(undefined);
    const resumed = await canvasGet(`/events/${canvasId}?token=${token}`, { 'last-event-id': '2' });
    const resumedFrames = readSse(resumed.body as ReadableStream<Uint8Array>);
    assert.equal((await resumedFrames.next()).value?.id, '3');
    await agent('@tool palyra.canvas.close {}');
    const closing = (await resumedFrames.next()).value;
    assert.equal(closing?.id, '4');
    assert.equal((JSON.parse(closing?.data ?? '{}') as { closed: boolean }).closed, true);
    assert.equal((await resumedFrames.next()).done, true);
  });

  test('bundle asset → its stored content type, sandboxed; an unknown path → 404', async () => {
    const canvasId = await createCanvas({}, { assets: [{ path: 'img/dot.png', content_type: 'image/png', base64: PNG.toString('base64') }] });
    const { token } = await mintToken(canvasId);
    const asset = await canvasGet(`/bundle/${canvasId}/img/dot.png?token=${token}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('content-type'), 'image/png');
    assert.match(asset.headers.get('content-security-policy') ?? '', /^sandbox;/);
    assert.deepEqual(Buffer.from(await asset.arrayBuffer()), PNG);
    assert.equal((await canvasGet(`/bundle/${canvasId}/img/none.png?token=${token}`)).status, 404);
  });

  test('a state over 64 KiB reaches the agent as a clear resource_exhausted error', async () => {
    const [big] = await agent(`@tool palyra.canvas.create ${JSON.stringify({ title: 'big', state: { text: 'x'.repeat(65_536) } })}`);
    assert.match(big?.error ?? '', /^resource_exhausted: canvas state is \d+ bytes; the limit is 65536/);
  });
});

describe('restart and key rotation', () => {
  test('the key file is 0600; after a restart the canvas is there, an old token still opens it; after rotation it does not, a renewed one does', async () => {
    const canvasId = await createCanvas({ kept: true });
    const { token } = await mintToken(canvasId);
    assert.equal(statSync(join(daemon.stateDir, 'canvas-token-key')).mode & 0o777, 0o600);
    await daemon.stop();
    daemon = await startDaemon({ stateDir: daemon.stateDir, env: ENV });
    operator = await consoleLogin(daemon);
    const state = (await (await canvasGet(`/state/${canvasId}?token=${token}`)).json()) as { state: unknown };
    assert.deepEqual(state.state, { kept: true });
    const rotate = await daemon.admin('/admin/v1/canvas/token-key/rotate', { method: 'POST', body: '{}' });
    assert.equal(rotate.status, 200);
    assert.equal((await canvasGet(`/state/${canvasId}?token=${token}`)).status, 403);
    const renewed = await mintToken(canvasId);
    assert.equal((await canvasGet(`/state/${canvasId}?token=${renewed.token}`)).status, 200);
    const listed = (await (await operator.request(`/chat/sessions/${sessionId}/canvases`)).json()) as { canvases: { canvas_id: string }[] };
    assert.ok(listed.canvases.some((canvas) => canvas.canvas_id === canvasId));
  });
});
