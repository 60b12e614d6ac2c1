// CanvasService over gRPC with @grpc/grpc-js: create (frame URL + token that opens it), conflicts, ownership, WatchCanvas pushed and resumable.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CanvasServiceClient, type Canvas, type WatchCanvasResponse } from '../../src/gen/palyra/canvas/v1/canvas.js';
import { GatewayServiceClient } from '../../src/gen/palyra/gateway/v1/gateway.js';
import { newId } from '../../src/core/ids.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, callError, type Identity, metadataFor } from '../helpers/grpc-client.js';

let daemon: TestDaemon;
let canvases: CanvasServiceClient;
let gateway: GatewayServiceClient;
let owner: Identity;
let sessionId: string;

before(async () => {
  daemon = await startDaemon();
  const credentials = grpc.credentials.createInsecure();
  canvases = new CanvasServiceClient(daemon.ready.grpc, credentials);
  gateway = new GatewayServiceClient(daemon.ready.grpc, credentials, { channelOverride: canvases.getChannel() });
  const token = ((await (await daemon.admin('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'canvas', principal: 'user:painter', scopes: ['canvas:read', 'canvas:write', 'sessions:write'] }) })).json()) as { token: string }).token;
  owner = { token, deviceId: newId() };
  const resolved = await call(gateway, gateway.resolveSession, { v: 1, sessionId: undefined, sessionKey: 'canvas-grpc', sessionLabel: '', requireExisting: false, resetSession: false }, owner);
  sessionId = resolved.session?.sessionId?.ulid as string;
});
after(async () => {
  canvases.close();
  await daemon.stop();
  removeStateDir(daemon.stateDir);
});

const create = (stateJson = '{"n":0}') => call(canvases, canvases.createCanvas, { v: 1, sessionId: { ulid: sessionId }, title: 'Watched', stateJson, assets: [], lifetimeMs: 0 }, owner);
const update = (canvasId: string, n: number, expectedVersion = 0) => call(canvases, canvases.updateCanvas, { v: 1, canvasId: { ulid: canvasId }, stateJson: JSON.stringify({ n }), expectedVersion }, owner);

/** Opens WatchCanvas; `next()` resolves with the next message, or null once the stream ended. */
function watch(canvasId: string, afterVersion: number) {
  const stream = canvases.watchCanvas({ v: 1, canvasId: { ulid: canvasId }, afterVersion }, metadataFor(owner));
  const queue: (WatchCanvasResponse | null)[] = [];
  const waiters: ((value: WatchCanvasResponse | null) => void)[] = [];
  const push = (value: WatchCanvasResponse | null) => (waiters.length > 0 ? waiters.shift()?.(value) : queue.push(value));
  stream.on('data', (message: WatchCanvasResponse) => push(message));
  stream.on('end', () => push(null));
  stream.on('error', () => push(null));
  return { next: () => (queue.length > 0 ? Promise.resolve(queue.shift() ?? null) : new Promise<WatchCanvasResponse | null>((resolve) => waiters.push(resolve))), cancel: () => stream.cancel() };
}

describe('CanvasService', () => {
  test('CreateCanvas → version 1, a frame URL on the admin port and a token that opens its state', async () => {
    const created = await create('{"hello":"grpc"}');
    assert.equal(created.canvas?.version, 1);
    assert.match(created.frameUrl, new RegExp(`^${daemon.ready.http}/canvas/v1/frame/[0-9A-Z]{26}\\?token=pct1\\.`));
    const state = await fetch(`${daemon.ready.http}/canvas/v1/state/${created.canvas?.canvasId?.ulid}?token=${created.token}`);
    assert.deepEqual(((await state.json()) as { state: unknown }).state, { hello: 'grpc' });
    const listed = await call(canvases, canvases.listCanvases, { v: 1, sessionId: { ulid: sessionId } }, owner);
    assert.ok(listed.canvases.some((canvas: Canvas) => canvas.canvasId?.ulid === created.canvas?.canvasId?.ulid));
  });

  test('stale expected_version → ABORTED; bad patch → INVALID_ARGUMENT; another principal → NOT_FOUND; state over 64 KiB → RESOURCE_EXHAUSTED', async () => {
    const canvasId = (await create()).canvas?.canvasId?.ulid as string;
    await update(canvasId, 1, 1);
    assert.equal((await callError(canvases, canvases.updateCanvas, { v: 1, canvasId: { ulid: canvasId }, stateJson: '{}', expectedVersion: 1 }, owner)).code, grpc.status.ABORTED);
    assert.equal((await callError(canvases, canvases.patchCanvas, { v: 1, canvasId: { ulid: canvasId }, patchJson: '[{"op":"remove","path":"/none"}]', expectedVersion: 0 }, owner)).code, grpc.status.INVALID_ARGUMENT);
    const strangerToken = ((await (await daemon.admin('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'stranger', principal: 'user:stranger', scopes: ['canvas:read'] }) })).json()) as { token: string }).token;
    const stranger = { token: strangerToken, deviceId: owner.deviceId as string };
    assert.equal((await callError(canvases, canvases.getCanvas, { v: 1, canvasId: { ulid: canvasId } }, { ...owner, deviceId: newId() })).code, grpc.status.NOT_FOUND);
    assert.equal((await callError(canvases, canvases.getCanvas, { v: 1, canvasId: { ulid: canvasId } }, stranger)).code, grpc.status.NOT_FOUND);
    const big = JSON.stringify({ text: 'x'.repeat(65_536) });
    assert.equal((await callError(canvases, canvases.updateCanvas, { v: 1, canvasId: { ulid: canvasId }, stateJson: big, expectedVersion: 0 }, owner)).code, grpc.status.RESOURCE_EXHAUSTED);
  });

  test('bundle over 512 KiB or over 32 assets → RESOURCE_EXHAUSTED naming the limit; an HTML asset → INVALID_ARGUMENT; the 121st update in a minute → RESOURCE_EXHAUSTED', async () => {
    const bundle = (assets: { path: string; contentType: string; body: Buffer }[]) =>
      callError(canvases, canvases.createCanvas, { v: 1, sessionId: { ulid: sessionId }, title: 'Bundled', stateJson: '{}', assets, lifetimeMs: 0 }, owner);
    const png = (path: string, size = 10) => ({ path, contentType: 'image/png', body: Buffer.alloc(size) });
    const tooBig = await bundle([png('a.png', 300_000), png('b.png', 300_000)]);
    assert.equal(tooBig.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(tooBig.details, /524288/);
    const tooMany = await bundle(Array.from({ length: 33 }, (_, i) => png(`a${i}.png`)));
    assert.equal(tooMany.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(tooMany.details, /at most 32 assets/);
    assert.equal((await bundle([{ path: 'page.html', contentType: 'text/html', body: Buffer.from('<p>') }])).code, grpc.status.INVALID_ARGUMENT);
    const canvasId = (await create()).canvas?.canvasId?.ulid as string;
    for (let n = 1; n <= 120; n += 1) await update(canvasId, n);
    const limited = await callError(canvases, canvases.updateCanvas, { v: 1, canvasId: { ulid: canvasId }, stateJson: '{}', expectedVersion: 0 }, owner);
    assert.equal(limited.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(limited.details, /120 times in the last minute/);
  });

  test('WatchCanvas from 0 → the current version, then each update as it happens, ending after CloseCanvas; resuming after 2 → 3 first', async () => {
    const canvasId = (await create()).canvas?.canvasId?.ulid as string;
    const watcher = watch(canvasId, 0);
    assert.equal((await watcher.next())?.version, 1);
    for (let n = 1; n <= 3; n += 1) {
      await update(canvasId, n);
      const pushed = await watcher.next();
      assert.deepEqual([pushed?.version, pushed?.stateJson], [n + 1, JSON.stringify({ n })]);
    }
    const resumed = watch(canvasId, 2);
    assert.equal((await resumed.next())?.version, 4, 'resumes with the current version, newer than 2');
    await call(canvases, canvases.closeCanvas, { v: 1, canvasId: { ulid: canvasId } }, owner);
    for (const stream of [watcher, resumed]) {
      const last = await stream.next();
      assert.deepEqual([last?.version, last?.closed], [5, true]);
      assert.equal(await stream.next(), null, 'the stream ends after the closing version');
    }
  });
});
