// GatewayService.WatchRun: replay then live; re-attach mid-run without gap or duplicate; a vanished RunStream client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, type Clients, collect, connect, kinds, metadataFor, openRequest } from '../helpers/grpc-client.js';

describe('GatewayService.WatchRun', () => {
  let daemon: TestDaemon;
  let clients: Clients;
  let admin: { token: string; principal: string; deviceId: string };

  before(async () => {
    daemon = await startDaemon();
    clients = connect(daemon.ready.grpc);
    admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
  });
  after(async () => {
    clients.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  const activeRuns = async () => ((await (await daemon.admin('/admin/v1/status')).json()) as { active_runs: number }).active_runs;

  test('a RunStream client that drops mid-run re-attaches with its last seq → every later event once, in order', async () => {
    const open = openRequest('@slow 20\n@tokens 40');
    const runId = open.runId?.ulid as string;
    const lost = connect(daemon.ready.grpc);
    const first = lost.gateway.runStream(metadataFor(admin));
    first.write(open);
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      first.on('data', (event: { seq: number }) => {
        seen.push(event.seq);
        if (seen.length === 10) {
          first.cancel();
          lost.close();
          resolve();
        }
      });
      first.on('error', () => undefined);
    });
    const lastSeen = seen.at(-1) as number;
    const watch = clients.gateway.watchRun({ v: 1, runId: { ulid: runId }, afterSeq: lastSeen }, metadataFor(admin));
    const { events, error } = await collect(watch);
    assert.equal(error, null);
    const resumed = events.map((event) => event.seq);
    assert.ok(resumed.every((seq) => seq > lastSeen), 'no duplicate');
    assert.deepEqual(resumed, [...new Set(resumed)].sort((a, b) => a - b));
    assert.equal(kinds(events).at(-1), 'status:done', 'the dropped client leaves the run to finish cleanly');
    const full = await collect(clients.gateway.watchRun({ v: 1, runId: { ulid: runId }, afterSeq: -1 }, metadataFor(admin)));
    const wire = full.events.map((event) => event.seq);
    assert.deepEqual([...seen, ...resumed], wire, 'first stream + resumed stream = the whole run, no gap');
    const tokens = full.events.filter((event) => event.body?.$case === 'modelToken' && !event.body.value.isFinal).length;
    assert.equal(tokens, 40);
    const run = await call(clients.gateway, clients.gateway.getRun, { v: 1, runId: { ulid: runId } }, admin);
    assert.equal(run.run?.state, 3);
    assert.equal(await activeRuns(), 0);
  });

  test('a client that vanishes while an approval waits → nothing leaks: the run ends and active_runs returns to 0', async () => {
    const open = openRequest('@tool palyra.process.run {"command":"echo","args":[]}');
    const lost = connect(daemon.ready.grpc);
    const stream = lost.gateway.runStream(metadataFor(admin));
    stream.write(open);
    await new Promise<void>((resolve) => {
      stream.on('data', (event: { body?: { $case: string } }) => {
        if (event.body?.$case === 'toolApprovalRequest') {
          lost.close();
          stream.cancel();
          resolve();
        }
      });
      stream.on('error', () => undefined);
    });
    const pending = await call(clients.approvals, clients.approvals.listApprovals, { v: 1, afterApprovalUlid: '', limit: 10, sinceUnixMs: 0, untilUnixMs: 0, subjectId: '', principal: '', decision: 0, subjectType: 0, pendingOnly: true }, admin);
    const approval = pending.approvals.find((record) => record.runId?.ulid === open.runId?.ulid);
    assert.ok(approval, 'the approval is still pending and can be decided out of band');
    await call(clients.approvals, clients.approvals.decideApproval, { v: 1, approvalId: approval.approvalId, approved: false, reason: 'gone', decisionScope: 1, decisionScopeTtlMs: 0 }, admin);
    const watched = await collect(clients.gateway.watchRun({ v: 1, runId: open.runId, afterSeq: -1 }, metadataFor(admin)));
    assert.equal(kinds(watched.events).at(-1), 'status:done');
    assert.equal(await activeRuns(), 0);
  });

  test('WatchRun on a finished run from -1 → the whole tape then the call ends; an unknown run → NOT_FOUND', async () => {
    const open = openRequest('hello');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.end();
    const live = await collect(stream);
    const replay = await collect(clients.gateway.watchRun({ v: 1, runId: open.runId, afterSeq: -1 }, metadataFor(admin)));
    assert.deepEqual(replay.events.map((event) => event.seq), live.events.map((event) => event.seq));
    const missing = await collect(clients.gateway.watchRun({ v: 1, runId: { ulid: newId() }, afterSeq: -1 }, metadataFor(admin)));
    assert.equal(missing.error?.code, status.NOT_FOUND);
  });

  test('WatchRun of another principal\'s run → NOT_FOUND; without credentials → UNAUTHENTICATED', async () => {
    const open = openRequest('hello');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.end();
    await collect(stream);
    const api = await call(clients.auth, clients.auth.createApiToken, { v: 1, name: 'mallory', principal: 'user:mallory', scopes: ['*'], ttlSeconds: 0 }, admin);
    const foreign = await collect(clients.gateway.watchRun({ v: 1, runId: open.runId, afterSeq: -1 }, metadataFor({ token: api.token })));
    assert.equal(foreign.error?.code, status.NOT_FOUND);
    assert.equal(foreign.events.length, 0);
    const anonymous = await collect(clients.gateway.watchRun({ v: 1, runId: open.runId, afterSeq: -1 }, metadataFor({})));
    assert.equal(anonymous.error?.code, status.UNAUTHENTICATED);
  });
});
