// Canvas core: versions, JSON Patch, conflicts, limits, ownership, journal, watch, tokens, persistence (real SQLite).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CallContext, createContext } from '../../src/core/context.js';
import type { CanvasVersion } from '../../src/core/canvas/canvas-version.js';
import { CoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { JournalRecord } from '../../src/core/journal/journal.js';
import { createCoreFixture, type CoreFixture } from '../helpers/core-fixture.js';

let fx: CoreFixture;
let owner: CallContext;
let stranger: CallContext;
let sessionId: string;
const journaled: JournalRecord[] = [];
let clockMs = Date.now();

const rejectsWith = (promise: Promise<unknown> | (() => unknown), code: string, pattern?: RegExp) =>
  assert.rejects(typeof promise === 'function' ? async () => promise() : promise, (error: unknown) => {
    assert.ok(error instanceof CoreError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });

before(async () => {
  fx = createCoreFixture({ now: () => clockMs, canvas: { limits: { maxUpdatesPerMinute: 5 } } });
  fx.core.journal.onAppended((record) => journaled.push(record));
  owner = fx.user('alice');
  stranger = fx.user('mallory');
  sessionId = (await fx.core.sessions.resolve(owner, {})).session.sessionId;
});
after(() => fx.close());

const create = (state: unknown = { items: [] }, extra: Record<string, unknown> = {}) => fx.core.canvases.create(owner, { sessionId, title: 'Results', state, ...extra });

describe('create, update, patch', () => {
  test('create → version 1 owned by the session owner; update → 2; patch → 3 with the patched state', async () => {
    const canvas = await create({ items: [1] });
    assert.equal(canvas.version, 1);
    assert.equal(canvas.principal, 'user:alice');
    const updated = await fx.core.canvases.update(owner, canvas.canvasId, { state: { items: [1, 2] }, expectedVersion: 1 });
    assert.equal(updated.version, 2);
    const patched = await fx.core.canvases.patch(owner, canvas.canvasId, { patch: [{ op: 'add', path: '/items/-', value: 3 }, { op: 'add', path: '/done', value: true }], expectedVersion: 2 });
    assert.equal(patched.version, 3);
    assert.deepEqual(JSON.parse(fx.core.canvases.get(owner, canvas.canvasId).stateJson), { items: [1, 2, 3], done: true });
  });

  test('stale expected_version → aborted naming the current version; the state is unchanged', async () => {
    const canvas = await create();
    await fx.core.canvases.update(owner, canvas.canvasId, { state: { n: 1 } });
    await rejectsWith(fx.core.canvases.update(owner, canvas.canvasId, { state: { n: 2 }, expectedVersion: 1 }), 'aborted', /at version 2, not 1/);
    await rejectsWith(fx.core.canvases.patch(owner, canvas.canvasId, { patch: [{ op: 'add', path: '/n', value: 3 }], expectedVersion: 1 }), 'aborted');
    assert.equal(fx.core.canvases.get(owner, canvas.canvasId).stateJson, '{"n":1}');
  });

  test('a patch whose later operation fails changes nothing (atomic); a failed test op → failed_precondition', async () => {
    const canvas = await create({ a: 1 });
    await rejectsWith(fx.core.canvases.patch(owner, canvas.canvasId, { patch: [{ op: 'replace', path: '/a', value: 2 }, { op: 'remove', path: '/missing' }] }), 'invalid_argument', /operation 1/);
    await rejectsWith(fx.core.canvases.patch(owner, canvas.canvasId, { patch: [{ op: 'test', path: '/a', value: 9 }, { op: 'replace', path: '/a', value: 2 }] }), 'failed_precondition');
    await rejectsWith(fx.core.canvases.patch(owner, canvas.canvasId, { patch: [{ op: 'add', path: '/__proto__/polluted', value: 1 }] }), 'invalid_argument');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const current = fx.core.canvases.get(owner, canvas.canvasId);
    assert.equal(current.version, 1);
    assert.equal(current.stateJson, '{"a":1}');
  });

  test('state that is not an object, or a patch that is not an array → invalid_argument', async () => {
    await rejectsWith(create([1, 2]), 'invalid_argument', /JSON object/);
    const canvas = await create();
    await rejectsWith(fx.core.canvases.patch(owner, canvas.canvasId, { patch: { op: 'add' } }), 'invalid_argument', /JSON array/);
  });
});

describe('limits', () => {
  test('state over 64 KiB → resource_exhausted naming the limit, on create and on update', async () => {
    const big = { text: 'x'.repeat(64 * 1024) };
    await rejectsWith(create(big), 'resource_exhausted', /limit is 65536/);
    const canvas = await create();
    await rejectsWith(fx.core.canvases.update(owner, canvas.canvasId, { state: big }), 'resource_exhausted', /limit is 65536/);
  });

  test('bundle over 512 KiB, over 32 assets, with HTML or a ../ path → refused', async () => {
    const asset = (path: string, size = 10, contentType = 'image/png') => ({ path, contentType, bytes: Buffer.alloc(size) });
    await rejectsWith(create({}, { assets: [asset('a.png', 300_000), asset('b.png', 300_000)] }), 'resource_exhausted', /limit is 524288/);
    await rejectsWith(create({}, { assets: Array.from({ length: 33 }, (_, i) => asset(`a${i}.png`)) }), 'resource_exhausted', /at most 32 assets/);
    await rejectsWith(create({}, { assets: [asset('page.html', 10, 'text/html')] }), 'invalid_argument', /content type/);
    await rejectsWith(create({}, { assets: [asset('../secret.png')] }), 'invalid_argument', /path/);
    const ok = await create({}, { assets: [asset('img/logo.png', 100)] });
    assert.deepEqual(fx.core.canvases.listAssets(owner, ok.canvasId), [{ path: 'img/logo.png', contentType: 'image/png', size: 100 }]);
  });

  test('more updates per minute than allowed → resource_exhausted with retry-after; a minute later it passes', async () => {
    const canvas = await create();
    for (let i = 0; i < 5; i += 1) await fx.core.canvases.update(owner, canvas.canvasId, { state: { i } });
    await rejectsWith(fx.core.canvases.patch(owner, canvas.canvasId, { patch: [{ op: 'add', path: '/i', value: 9 }] }), 'resource_exhausted', /5 times in the last minute/);
    clockMs += 60_001;
    assert.equal((await fx.core.canvases.update(owner, canvas.canvasId, { state: { i: 6 } })).version, 7);
  });
});

describe('ownership, close, journal', () => {
  test("another principal's canvas and an unknown id answer the same not_found", async () => {
    const canvas = await create();
    const unknown = newId();
    for (const id of [canvas.canvasId, unknown]) {
      await rejectsWith(() => fx.core.canvases.get(stranger, id), 'not_found', new RegExp(`canvas not found: ${id}`));
      await rejectsWith(fx.core.canvases.update(stranger, id, { state: {} }), 'not_found');
    }
    await rejectsWith(fx.core.canvases.create(stranger, { sessionId, title: 't', state: {} }), 'not_found', /session not found/);
    assert.equal(fx.core.canvases.get(fx.admin, canvas.canvasId).canvasId, canvas.canvasId);
  });

  test('close → a new version, read-only afterwards; closing again changes nothing; create, update, close are journaled', async () => {
    const canvas = await create();
    await fx.core.canvases.update(owner, canvas.canvasId, { state: { a: 1 } });
    const closed = await fx.core.canvases.close(owner, canvas.canvasId);
    assert.equal(closed.version, 3);
    assert.ok(closed.closedAtMs);
    assert.equal((await fx.core.canvases.close(owner, canvas.canvasId)).version, 3);
    await rejectsWith(fx.core.canvases.update(owner, canvas.canvasId, { state: {} }), 'failed_precondition', /closed/);
    const kinds = journaled
      .map((record) => ({ kind: record.kind, payload: JSON.parse(record.payloadJson) as { canvas_id?: string; version?: number } }))
      .filter((record) => record.payload.canvas_id === canvas.canvasId)
      .map((record) => `${record.kind}@${String(record.payload.version)}`);
    assert.deepEqual(kinds, ['canvas.created@1', 'canvas.updated@2', 'canvas.closed@3']);
  });

  test('list gives the session\'s canvases; a stranger listing the session → not_found', async () => {
    const ids = fx.core.canvases.list(owner, sessionId).map((canvas) => canvas.canvasId);
    assert.ok(ids.length > 3);
    assert.deepEqual(ids, [...ids].sort());
    await rejectsWith(() => fx.core.canvases.list(stranger, sessionId), 'not_found');
  });
});

describe('watch', () => {
  test('from 0: the current version, then each new one in order, ending after close', async () => {
    const canvas = await create({ n: 0 });
    const controller = new AbortController();
    const seen: CanvasVersion[] = [];
    const watching = (async () => {
      for await (const version of fx.core.canvases.watch(owner, canvas.canvasId, 0, controller.signal)) seen.push(version);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    for (let n = 1; n <= 3; n += 1) await fx.core.canvases.update(owner, canvas.canvasId, { state: { n } });
    await fx.core.canvases.close(owner, canvas.canvasId);
    await watching;
    assert.deepEqual(seen.map((v) => [v.version, v.closed]), [[1, false], [2, false], [3, false], [4, false], [5, true]]);
    clockMs += 60_001;
  });

  test('resuming after the current version yields nothing until the next one', async () => {
    const canvas = await create({ n: 0 });
    await fx.core.canvases.update(owner, canvas.canvasId, { state: { n: 1 } });
    const controller = new AbortController();
    const iterator = fx.core.canvases.watch(owner, canvas.canvasId, 2, controller.signal);
    const next = iterator.next();
    await fx.core.canvases.update(owner, canvas.canvasId, { state: { n: 2 } });
    assert.equal((await next).value?.version, 3);
    controller.abort();
    assert.equal((await iterator.next()).done, true);
  });
});

describe('tokens', () => {
  test('a watch opened with a token ends when the token runs out, with no close; a stream never outlives its grant', async () => {
    const canvas = await create({ n: 0 });
    const { token } = fx.core.canvases.mintToken(owner, canvas.canvasId, 1000);
    const started = performance.now();
    const seen: number[] = [];
    // The lapse timer is unref'd (it must not keep a daemon alive); here nothing else holds the event loop open.
    const keepAlive = setInterval(() => undefined, 100);
    try {
      for await (const version of fx.core.canvases.watchWithToken(token, canvas.canvasId, 0, new AbortController().signal)) seen.push(version.version);
    } finally {
      clearInterval(keepAlive);
    }
    const endedMs = performance.now() - started;
    assert.deepEqual(seen, [1]);
    assert.ok(endedMs >= 900 && endedMs < 5000, `ended after ${Math.round(endedMs)} ms`);
  });

  test('a token opens its canvas only; expired, forged, rotated → permission_denied; malformed → invalid_argument', async () => {
    const a = await create();
    const b = await create();
    const { token, expiresAtMs } = fx.core.canvases.mintToken(owner, a.canvasId);
    assert.equal(expiresAtMs - clockMs, 15 * 60 * 1000);
    assert.equal(fx.core.canvases.viewWithToken(token, a.canvasId).canvasId, a.canvasId);
    await rejectsWith(() => fx.core.canvases.viewWithToken(token, b.canvasId), 'permission_denied');
    const [prefix, body, signature] = token.split('.') as [string, string, string];
    const flipped = `${prefix}.${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await rejectsWith(() => fx.core.canvases.viewWithToken(flipped, a.canvasId), 'permission_denied');
    await rejectsWith(() => fx.core.canvases.viewWithToken('not-a-token', a.canvasId), 'invalid_argument', /malformed/);
    await rejectsWith(() => fx.core.canvases.viewWithToken(`${token}x`.repeat(100), a.canvasId), 'invalid_argument');
    await rejectsWith(() => fx.core.canvases.mintToken(stranger, a.canvasId), 'not_found');
    clockMs += 15 * 60 * 1000;
    await rejectsWith(() => fx.core.canvases.viewWithToken(token, a.canvasId), 'permission_denied', /expired/);
    const renewed = fx.core.canvases.mintToken(owner, a.canvasId).token;
    assert.equal(fx.core.canvases.viewWithToken(renewed, a.canvasId).canvasId, a.canvasId);
    await fx.core.canvases.rotateTokenKey(fx.admin);
    await rejectsWith(() => fx.core.canvases.viewWithToken(renewed, a.canvasId), 'permission_denied');
    const writer = createContext({ principal: 'user:alice', deviceId: owner.deviceId, scopes: ['canvas:write', 'canvas:read'], credential: 'api_token' });
    await rejectsWith(fx.core.canvases.rotateTokenKey(writer), 'permission_denied', /canvas:admin/);
  });
});
