// GatewayService.RunStream over grpc-js: the reference's acceptance checks 1–6 and 11, turns, in-stream approvals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { approvalRequest, call, type Clients, collect, connect, kinds, metadataFor, openRequest, turnRequest } from '../helpers/grpc-client.js';

const APPROVAL_PROMPT = '@tool palyra.process.run {"command":"echo","args":["hi"]}';

describe('GatewayService.RunStream', () => {
  let daemon: TestDaemon;
  let clients: Clients;
  let admin: { token: string; principal: string; deviceId: string };

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_TOOLS_PROCESS_ALLOWED_COMMANDS: 'echo' } });
    clients = connect(daemon.ready.grpc);
    admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
  });
  after(async () => {
    clients.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  const runGet = (runId: string) => call(clients.gateway, clients.gateway.getRun, { v: 1, runId: { ulid: runId } }, admin);

  test('without metadata → UNAUTHENTICATED, and GetHealth without metadata → OK palyrad/ok (check 1)', async () => {
    const stream = clients.gateway.runStream(metadataFor({}));
    stream.write(openRequest('hello'));
    const result = await collect(stream);
    assert.equal(result.error?.code, status.UNAUTHENTICATED);
    assert.equal(result.events.length, 0);
    const health = await call(clients.gateway, clients.gateway.getHealth, { v: 1 }, {});
    assert.equal(health.service, 'palyrad');
    assert.equal(health.status, 'ok');
  });

  test('one input then half-close → ACCEPTED, IN_PROGRESS, tokens, DONE with seq; run done (check 2)', async () => {
    const open = openRequest('hello there');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.end();
    const result = await collect(stream);
    assert.equal(result.error, null);
    const names = kinds(result.events);
    assert.deepEqual(names.slice(0, 2), ['status:accepted', 'status:in_progress']);
    assert.equal(names.at(-1), 'status:done');
    assert.ok(names.includes('modelToken'));
    const seqs = result.events.map((event) => event.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'seq increases');
    assert.equal(seqs[0], 0);
    const text = result.events.map((event) => (event.body?.$case === 'modelToken' ? event.body.value.token : '')).join('');
    assert.equal(text, 'You said: hello there');
    const run = await runGet(open.runId?.ulid as string);
    assert.equal(run.run?.state, 3);
    assert.equal(run.run?.lastSeq, result.events.at(-1)?.seq);
  });

  test('text then /cancel → FAILED "cancelled by request", no DONE, OK status; run cancelled (check 3)', async () => {
    const open = openRequest('@slow 200\n@tokens 50');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    const result = collect(stream, (event) => {
      if (event.body?.$case === 'modelToken') stream.write(turnRequest('/cancel'));
    });
    const { events, error } = await result;
    assert.equal(error, null);
    const last = events.at(-1)?.body;
    assert.equal(last?.$case, 'status');
    assert.equal(last?.$case === 'status' && last.value.message, 'cancelled by request');
    assert.ok(!kinds(events).includes('status:done'));
    const run = await runGet(open.runId?.ulid as string);
    assert.equal(run.run?.state, 5);
    assert.equal(run.run?.cancelRequested, true);
  });

  test('same session, another principal → NOT_FOUND (as for an unknown id) before any event (check 4)', async () => {
    const open = openRequest('hello');
    const first = clients.gateway.runStream(metadataFor(admin));
    first.write(open);
    first.end();
    await collect(first);
    const api = await call(clients.auth, clients.auth.createApiToken, { v: 1, name: 'bob', principal: 'user:bob', scopes: ['*'], ttlSeconds: 0 }, admin);
    const second = clients.gateway.runStream(metadataFor({ token: api.token }));
    second.write(openRequest('hi', { sessionId: open.sessionId?.ulid as string }));
    const result = await collect(second);
    assert.equal(result.error?.code, status.NOT_FOUND);
    assert.equal(result.events.length, 0);
  });

  test('a second message with v=0 → FAILED then FAILED_PRECONDITION; run failed with the reason (check 5)', async () => {
    const open = openRequest('@slow 100\n@tokens 20');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.write({ ...turnRequest('more'), v: 0 });
    const { events, error } = await collect(stream);
    assert.equal(error?.code, status.FAILED_PRECONDITION);
    assert.equal(kinds(events).at(-1), 'status:failed');
    const run = await runGet(open.runId?.ulid as string);
    assert.equal(run.run?.state, 4);
    assert.match(run.run?.lastError ?? '', /unsupported protocol major version/);
  });

  test('a second message with another run_id → INVALID_ARGUMENT; run failed "cannot switch run_id mid-stream" (check 6)', async () => {
    const open = openRequest('@slow 100\n@tokens 20');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.write(openRequest('more', { sessionId: open.sessionId?.ulid as string }));
    const { error } = await collect(stream);
    assert.equal(error?.code, status.INVALID_ARGUMENT);
    const run = await runGet(open.runId?.ulid as string);
    assert.equal(run.run?.state, 4);
    assert.match(run.run?.lastError ?? '', /cannot switch run_id mid-stream/);
  });

  test('a reused run id → ALREADY_EXISTS before any event', async () => {
    const open = openRequest('hello');
    const first = clients.gateway.runStream(metadataFor(admin));
    first.write(open);
    first.end();
    await collect(first);
    const again = clients.gateway.runStream(metadataFor(admin));
    again.write(openRequest('again', { runId: open.runId?.ulid as string }));
    const result = await collect(again);
    assert.equal(result.error?.code, status.ALREADY_EXISTS);
    assert.equal(result.events.length, 0);
  });

  test('a bad first message (no run_id) → INVALID_ARGUMENT "run_id is required"', async () => {
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write({ ...openRequest('x'), runId: undefined });
    const result = await collect(stream);
    assert.equal(result.error?.code, status.INVALID_ARGUMENT);
    assert.match(result.error?.details ?? '', /run_id is required/);
  });

  test('a follow-up input is a second turn of the same run; half-close then DONE', async () => {
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(openRequest('first'));
    let finals = 0;
    const { events, error } = await collect(stream, (event) => {
      if (event.body?.$case !== 'modelToken' || !event.body.value.isFinal) return;
      finals += 1;
      if (finals === 1) stream.write(turnRequest('second'));
      else stream.end();
    });
    assert.equal(error, null);
    const text = events.map((event) => (event.body?.$case === 'modelToken' ? event.body.value.token : '')).join('');
    assert.equal(text, 'You said: firstYou said: second');
    assert.equal(kinds(events).filter((name) => name === 'status:accepted').length, 1);
    assert.equal(kinds(events).at(-1), 'status:done');
  });

  test('an approval answered inside the stream → request, response, decision allow, result, attestation', async () => {
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(openRequest(APPROVAL_PROMPT));
    const { events, error } = await collect(stream, (event) => {
      if (event.body?.$case === 'toolApprovalRequest') {
        const request = event.body.value;
        stream.write(approvalRequest(request.proposalId?.ulid as string, request.approvalId?.ulid as string, true));
      }
      if (event.body?.$case === 'modelToken' && event.body.value.isFinal) stream.end();
    });
    assert.equal(error, null);
    const names = kinds(events);
    const order = ['toolProposal', 'toolApprovalRequest', 'toolApprovalResponse', 'toolDecision', 'toolResult', 'toolAttestation'];
    assert.deepEqual(names.filter((name) => order.includes(name)), order);
    const decision = events.find((event) => event.body?.$case === 'toolDecision')?.body;
    assert.equal(decision?.$case === 'toolDecision' && decision.value.kind, 1);
    const result = events.find((event) => event.body?.$case === 'toolResult')?.body;
    assert.equal(result?.$case === 'toolResult' && result.value.success, true);
    assert.equal(names.at(-1), 'status:done');
  });

  test('the admin cancel endpoint preempts an in-flight model call in under 2 s (check 11)', async () => {
    const open = openRequest('@slow 5000\n@tokens 3');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    const done = collect(stream);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const response = await daemon.admin(`/admin/v1/runs/${open.runId?.ulid}/cancel`, { method: 'POST', body: JSON.stringify({ reason: 'test' }) });
    assert.equal(response.status, 200);
    const { events, error } = await done;
    assert.equal(error, null);
    assert.ok(Date.now() - started < 2000);
    const last = events.at(-1)?.body;
    assert.equal(last?.$case === 'status' && last.value.message, 'cancelled by request');
  });
});
