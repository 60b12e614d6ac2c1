// GatewayService unary methods: sessions (check 8), runs and AbortRun (check 10), AppendEvent (check 7).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { JournalEvent } from '../../src/gen/palyra/common/v1/common.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, callError, type Clients, collect, connect, type Identity, metadataFor, openRequest } from '../helpers/grpc-client.js';

function event(fields: Partial<JournalEvent>): JournalEvent {
  return JournalEvent.fromPartial({ v: 1, kind: 1, actor: 1, timestampUnixMs: Date.now(), sessionId: { ulid: newId() }, runId: { ulid: newId() }, payloadJson: Buffer.from('{}'), ...fields });
}

describe('GatewayService sessions, runs and journal', () => {
  let daemon: TestDaemon;
  let c: Clients;
  let admin: Identity;
  let alice: Identity;

  before(async () => {
    daemon = await startDaemon();
    c = connect(daemon.ready.grpc);
    admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
    const api = await call(c.auth, c.auth.createApiToken, { v: 1, name: 'alice', principal: 'user:alice', scopes: ['*'], ttlSeconds: 0 }, admin);
    alice = { token: api.token, deviceId: newId() };
  });
  after(async () => {
    c.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  const resolve = (identity: Identity, key: string) =>
    call(c.gateway, c.gateway.resolveSession, { v: 1, sessionId: undefined, sessionKey: key, sessionLabel: `label ${key}`, requireExisting: false, resetSession: false }, identity);

  test('ListSessions → only the caller\'s (principal, device, channel) sessions, keyset pages ending with an empty cursor (check 8)', async () => {
    for (const key of ['a1', 'a2', 'a3']) await resolve(alice, `alice-${key}`);
    await resolve({ ...alice, deviceId: newId() }, 'alice-other-device');
    const bob = await call(c.auth, c.auth.createApiToken, { v: 1, name: 'bob', principal: 'user:bob', scopes: ['*'], ttlSeconds: 0 }, admin);
    await resolve({ token: bob.token }, 'bob-1');
    const keys: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const response = await call(c.gateway, c.gateway.listSessions, { v: 1, afterSessionKey: cursor, limit: 2, includeArchived: false, q: '' }, alice);
      keys.push(...response.sessions.map((session) => session.sessionKey));
      cursor = response.nextAfterSessionKey;
      if (cursor === '') break;
    }
    assert.deepEqual(keys, ['alice-a1', 'alice-a2', 'alice-a3']);
    assert.equal(cursor, '');
    const all = await call(c.gateway, c.gateway.listSessions, { v: 1, afterSessionKey: '', limit: 100, includeArchived: false, q: 'bob' }, admin);
    assert.deepEqual(all.sessions.map((session) => session.sessionKey), ['bob-1']);
  });

  test('ListSessions q and ListRuns states filter in the query: every page is full until the last, the cursor never skips a match', async () => {
    const carol = { token: (await call(c.auth, c.auth.createApiToken, { v: 1, name: 'carol', principal: 'user:carol', scopes: ['*'], ttlSeconds: 0 }, admin)).token, deviceId: newId() };
    for (const key of ['Match-1', 'other-1', 'other-2', 'match-2', 'other-3', 'MATCH-3']) await resolve(carol, `carol-${key}`);
    const pages: string[][] = [];
    let cursor = '';
    do {
      const response = await call(c.gateway, c.gateway.listSessions, { v: 1, afterSessionKey: cursor, limit: 1, includeArchived: false, q: ' match ' }, carol);
      pages.push(response.sessions.map((session) => session.sessionKey));
      cursor = response.nextAfterSessionKey;
    } while (cursor !== '' && pages.length < 10);
    assert.deepEqual(pages.flat(), ['carol-Match-1', 'carol-match-2', 'carol-MATCH-3']);
    assert.ok(pages.slice(0, -1).every((page) => page.length === 1), `no short page before the last: ${JSON.stringify(pages)}`);

    const runIds: { done: string[]; failed: string[] } = { done: [], failed: [] };
    for (const prompt of ['one', '@fail boom', 'two', '@fail again', 'three']) {
      const open = openRequest(prompt);
      const stream = c.gateway.runStream(metadataFor(carol));
      stream.write(open);
      stream.end();
      await collect(stream).catch(() => undefined);
      (prompt.startsWith('@fail') ? runIds.failed : runIds.done).push(open.runId?.ulid ?? '');
    }
    const listed: string[] = [];
    let afterRunId = '';
    for (let page = 0; page < 10; page += 1) {
      const response = await call(c.gateway, c.gateway.listRuns, { v: 1, sessionId: undefined, afterRunId, limit: 1, states: [3] }, carol);
      listed.push(...response.runs.map((run) => run.runId?.ulid ?? ''));
      if (response.nextAfterRunId === '') break;
      assert.equal(response.runs.length, 1, 'a page with a next cursor is full');
      afterRunId = response.nextAfterRunId;
    }
    assert.deepEqual(listed, runIds.done);
    const failed = await call(c.gateway, c.gateway.listRuns, { v: 1, sessionId: undefined, afterRunId: '', limit: 10, states: [4, 0] }, carol);
    assert.deepEqual(failed.runs.map((run) => run.runId?.ulid), runIds.failed);
    const unknown = await callError(c.gateway, c.gateway.listRuns, { v: 1, sessionId: undefined, afterRunId: '', limit: 10, states: [42] }, carol);
    assert.equal(unknown.code, status.INVALID_ARGUMENT);
  });

  test('ResolveSession → created then found; another owner\'s id → NOT_FOUND; CleanupSession archives and rotates the key', async () => {
    const created = await resolve(alice, 'alice-cleanup');
    assert.equal(created.created, true);
    const again = await resolve(alice, 'alice-cleanup');
    assert.equal(again.created, false);
    assert.equal(again.session?.sessionId?.ulid, created.session?.sessionId?.ulid);
    const foreign = await callError(c.gateway, c.gateway.resolveSession, { v: 1, sessionId: created.session?.sessionId, sessionKey: '', sessionLabel: '', requireExisting: true, resetSession: false }, { ...alice, deviceId: newId() });
    assert.equal(foreign.code, status.NOT_FOUND);
    const missing = await callError(c.gateway, c.gateway.resolveSession, { v: 1, sessionId: undefined, sessionKey: 'nope', sessionLabel: '', requireExisting: true, resetSession: false }, alice);
    assert.equal(missing.code, status.NOT_FOUND);
    const cleaned = await call(c.gateway, c.gateway.cleanupSession, { v: 1, sessionId: created.session?.sessionId, sessionKey: '' }, alice);
    assert.equal(cleaned.newlyArchived, true);
    assert.equal(cleaned.previousSessionKey, 'alice-cleanup');
    assert.ok((cleaned.session?.archivedAtUnixMs ?? 0) > 0);
    assert.notEqual(cleaned.session?.sessionKey, 'alice-cleanup');
  });

  test('GetRun / ListRuns → own runs with state and last_seq; another principal\'s run → NOT_FOUND', async () => {
    const open = openRequest('hello');
    const stream = c.gateway.runStream(metadataFor(alice));
    stream.write(open);
    stream.end();
    const { events } = await collect(stream);
    const got = await call(c.gateway, c.gateway.getRun, { v: 1, runId: open.runId }, alice);
    assert.equal(got.run?.principal, 'user:alice');
    assert.equal(got.run?.state, 3);
    assert.equal(got.run?.lastSeq, events.at(-1)?.seq);
    const listed = await call(c.gateway, c.gateway.listRuns, { v: 1, sessionId: open.sessionId, afterRunId: '', limit: 10, states: [3] }, alice);
    assert.deepEqual(listed.runs.map((run) => run.runId?.ulid), [open.runId?.ulid]);
    const none = await call(c.gateway, c.gateway.listRuns, { v: 1, sessionId: open.sessionId, afterRunId: '', limit: 10, states: [4] }, alice);
    assert.equal(none.runs.length, 0);
    const bob = await call(c.auth, c.auth.createApiToken, { v: 1, name: 'bob2', principal: 'user:bob', scopes: ['*'], ttlSeconds: 0 }, admin);
    const foreign = await callError(c.gateway, c.gateway.getRun, { v: 1, runId: open.runId }, { token: bob.token });
    assert.equal(foreign.code, status.NOT_FOUND);
    const abort = await callError(c.gateway, c.gateway.abortRun, { v: 1, runId: open.runId, reason: '' }, { token: bob.token });
    assert.equal(abort.code, status.NOT_FOUND);
  });

  test('AbortRun on a finished run → FAILED_PRECONDITION "already finished (done)", the stored run unchanged; on a live run → cancelled', async () => {
    const open = openRequest('hello');
    const stream = c.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.end();
    await collect(stream);
    const stored = await call(c.gateway, c.gateway.getRun, { v: 1, runId: open.runId }, admin);
    const finished = await callError(c.gateway, c.gateway.abortRun, { v: 1, runId: open.runId, reason: 'too late' }, admin);
    assert.equal(finished.code, status.FAILED_PRECONDITION);
    assert.equal(finished.details, `run ${open.runId?.ulid} already finished (done); a finished run cannot be cancelled`);
    assert.deepEqual(await call(c.gateway, c.gateway.getRun, { v: 1, runId: open.runId }, admin), stored);
    const live = openRequest('@slow 100\n@tokens 50');
    const running = c.gateway.runStream(metadataFor(admin));
    running.write(live);
    const done = collect(running);
    await new Promise((resolveWait) => setTimeout(resolveWait, 150));
    const aborted = await call(c.gateway, c.gateway.abortRun, { v: 1, runId: live.runId, reason: '' }, admin);
    assert.deepEqual([aborted.cancelRequested, aborted.reason], [true, 'grpc_abort_requested']);
    const { events } = await done;
    const last = events.at(-1)?.body;
    assert.equal(last?.$case === 'status' && last.value.message, 'cancelled by request');
    const run = await call(c.gateway, c.gateway.getRun, { v: 1, runId: live.runId }, admin);
    assert.equal(run.run?.state, 5);
  });

  test('AppendEvent → accepted with an id; the same id again → ALREADY_EXISTS naming it; event v=0 → FAILED_PRECONDITION (check 7)', async () => {
    const eventId = newId();
    const first = await call(c.gateway, c.gateway.appendEvent, { v: 1, event: event({ eventId: { ulid: eventId }, payloadJson: Buffer.from('{"api_token":"s3cret","password":"p","note":"ok"}') }) }, admin);
    assert.equal(first.accepted, true);
    assert.equal(first.eventId?.ulid, eventId);
    const duplicate = await callError(c.gateway, c.gateway.appendEvent, { v: 1, event: event({ eventId: { ulid: eventId } }) }, admin);
    assert.equal(duplicate.code, status.ALREADY_EXISTS);
    assert.ok(duplicate.details.includes(eventId));
    const version = await callError(c.gateway, c.gateway.appendEvent, { v: 1, event: event({ v: 0 }) }, admin);
    assert.equal(version.code, status.FAILED_PRECONDITION);
    const kindless = await callError(c.gateway, c.gateway.appendEvent, { v: 1, event: event({ kind: 0 }) }, admin);
    assert.equal(kindless.code, status.INVALID_ARGUMENT);
    const page = (await (await daemon.admin('/admin/v1/journal/events?after_seq=0&limit=1000')).json()) as { events: Array<{ event_id: string; payload: unknown; redacted: boolean }> };
    const stored = page.events.find((row) => row.event_id === eventId);
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes('s3cret'));
    const verify = (await (await daemon.admin('/admin/v1/journal/verify')).json()) as { ok: boolean };
    assert.equal(verify.ok, true);
  });

  test('AppendEvent with a payload over the journal limit → OUT_OF_RANGE; over 4 MiB → OUT_OF_RANGE naming the limit', async () => {
    const big = await callError(c.gateway, c.gateway.appendEvent, { v: 1, event: event({ payloadJson: Buffer.from(JSON.stringify({ a: 'x'.repeat(300_000) })) }) }, admin);
    assert.equal(big.code, status.OUT_OF_RANGE);
    const huge = await callError(c.gateway, c.gateway.appendEvent, { v: 1, event: event({ payloadJson: Buffer.alloc(4 * 1024 * 1024 + 10, 0x61) }) }, admin);
    assert.equal(huge.code, status.OUT_OF_RANGE);
    assert.match(huge.details, /limit/);
  });
});
