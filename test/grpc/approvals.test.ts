// ApprovalsService over grpc-js: DecideApproval from a second client resumes the run; list, get, ownership; check 9.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import type { RunStreamEvent } from '../../src/gen/palyra/common/v1/common.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { approvalRequest, call, callError, type Clients, collect, connect, kinds, metadataFor, openRequest } from '../helpers/grpc-client.js';

const APPROVAL_PROMPT = '@tool palyra.process.run {"command":"echo","args":["hi"]}';

function approvalIdOf(event: RunStreamEvent): { proposalId: string; approvalId: string } | undefined {
  if (event.body?.$case !== 'toolApprovalRequest') return undefined;
  return { proposalId: event.body.value.proposalId?.ulid as string, approvalId: event.body.value.approvalId?.ulid as string };
}

describe('ApprovalsService', () => {
  let daemon: TestDaemon;
  let stream: Clients;
  let phone: Clients;
  let owner: { token: string; principal: string; deviceId: string };

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_TOOLS_PROCESS_ALLOWED_COMMANDS: 'echo' } });
    stream = connect(daemon.ready.grpc);
    phone = connect(daemon.ready.grpc);
    owner = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
  });
  after(async () => {
    stream.close();
    phone.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('DecideApproval from a second client → the live run continues as if the stream had answered', async () => {
    const call1 = stream.gateway.runStream(metadataFor(owner));
    call1.write(openRequest(APPROVAL_PROMPT));
    let decided: Promise<unknown> | undefined;
    const { events, error } = await collect(call1, (event) => {
      const ids = approvalIdOf(event);
      if (ids) {
        decided = call(phone.approvals, phone.approvals.decideApproval, { v: 1, approvalId: { ulid: ids.approvalId }, approved: true, reason: 'ok from phone', decisionScope: 1, decisionScopeTtlMs: 0 }, { ...owner, deviceId: newId() });
      }
      if (event.body?.$case === 'modelToken' && event.body.value.isFinal) call1.end();
    });
    assert.equal(error, null);
    const response = (await decided) as { approval: { decision: number; decidedBy: string; decisionReason: string } };
    assert.equal(response.approval.decision, 1);
    assert.equal(response.approval.decidedBy, 'admin:ops');
    const echoed = events.find((event) => event.body?.$case === 'toolApprovalResponse')?.body;
    assert.equal(echoed?.$case === 'toolApprovalResponse' && echoed.value.reason, 'ok from phone');
    assert.ok(kinds(events).includes('toolResult'));
    assert.equal(kinds(events).at(-1), 'status:done');
  });

  test('the stream answering after DecideApproval won → its late answer is dropped, the run goes on', async () => {
    const call1 = stream.gateway.runStream(metadataFor(owner));
    call1.write(openRequest(APPROVAL_PROMPT));
    const { events, error } = await collect(call1, (event) => {
      const ids = approvalIdOf(event);
      if (ids) {
        void call(phone.approvals, phone.approvals.decideApproval, { v: 1, approvalId: { ulid: ids.approvalId }, approved: false, reason: 'no', decisionScope: 1, decisionScopeTtlMs: 0 }, owner).then(() => {
          call1.write(approvalRequest(ids.proposalId, ids.approvalId, true));
        });
      }
      if (event.body?.$case === 'modelToken' && event.body.value.isFinal) call1.end();
    });
    assert.equal(error, null);
    const decision = events.find((event) => event.body?.$case === 'toolDecision')?.body;
    assert.equal(decision?.$case === 'toolDecision' && decision.value.kind, 2);
    assert.equal(kinds(events).at(-1), 'status:done');
  });

  test('ListApprovals / GetApproval → the caller sees its own; another principal gets NOT_FOUND or an empty list', async () => {
    const list = await call(phone.approvals, phone.approvals.listApprovals, { v: 1, afterApprovalUlid: '', limit: 10, sinceUnixMs: 0, untilUnixMs: 0, subjectId: '', principal: '', decision: 0, subjectType: 0, pendingOnly: false }, owner);
    assert.ok(list.approvals.length >= 2);
    const first = list.approvals[0];
    const got = await call(phone.approvals, phone.approvals.getApproval, { v: 1, approvalId: first?.approvalId }, owner);
    assert.equal(got.approval?.approvalId?.ulid, first?.approvalId?.ulid);
    const filtered = await call(phone.approvals, phone.approvals.listApprovals, { v: 1, afterApprovalUlid: '', limit: 10, sinceUnixMs: 0, untilUnixMs: 0, subjectId: '', principal: '', decision: 2, subjectType: 0, pendingOnly: false }, owner);
    assert.ok(filtered.approvals.every((record) => record.decision === 2));
    const bad = await callError(phone.approvals, phone.approvals.listApprovals, { v: 1, afterApprovalUlid: '', limit: 10, sinceUnixMs: 5, untilUnixMs: 1, subjectId: '', principal: '', decision: 0, subjectType: 0, pendingOnly: false }, owner);
    assert.equal(bad.code, status.INVALID_ARGUMENT);

    const api = await call(phone.auth, phone.auth.createApiToken, { v: 1, name: 'eve', principal: 'user:eve', scopes: ['*'], ttlSeconds: 0 }, owner);
    const eve = { token: api.token };
    const foreign = await callError(phone.approvals, phone.approvals.getApproval, { v: 1, approvalId: first?.approvalId }, eve);
    assert.equal(foreign.code, status.NOT_FOUND);
    const decide = await callError(phone.approvals, phone.approvals.decideApproval, { v: 1, approvalId: first?.approvalId, approved: true, reason: '', decisionScope: 1, decisionScopeTtlMs: 0 }, eve);
    assert.equal(decide.code, status.NOT_FOUND);
    const eveList = await call(phone.approvals, phone.approvals.listApprovals, { v: 1, afterApprovalUlid: '', limit: 10, sinceUnixMs: 0, untilUnixMs: 0, subjectId: '', principal: '', decision: 0, subjectType: 0, pendingOnly: false }, eve);
    assert.equal(eveList.approvals.length, 0);
  });

  test('DecideApproval on a decided approval → FAILED_PRECONDITION; without credentials → UNAUTHENTICATED', async () => {
    const list = await call(phone.approvals, phone.approvals.listApprovals, { v: 1, afterApprovalUlid: '', limit: 1, sinceUnixMs: 0, untilUnixMs: 0, subjectId: '', principal: '', decision: 0, subjectType: 0, pendingOnly: false }, owner);
    const approvalId = list.approvals[0]?.approvalId;
    const again = await callError(phone.approvals, phone.approvals.decideApproval, { v: 1, approvalId, approved: true, reason: '', decisionScope: 1, decisionScopeTtlMs: 0 }, owner);
    assert.equal(again.code, status.FAILED_PRECONDITION);
    const anonymous = await callError(phone.approvals, phone.approvals.decideApproval, { v: 1, approvalId, approved: true, reason: '', decisionScope: 1, decisionScopeTtlMs: 0 }, {});
    assert.equal(anonymous.code, status.UNAUTHENTICATED);
  });

  test('a TIMEBOXED 2000 ms decision is reused by the next run of the session, then asked again after expiry (check 9)', async () => {
    const identity = { ...owner, deviceId: newId() };
    const sessionId = newId();
    const runOnce = async (answer: boolean) => {
      const run = stream.gateway.runStream(metadataFor(identity));
      run.write(openRequest(APPROVAL_PROMPT, { sessionId }));
      const result = await collect(run, (event) => {
        const ids = approvalIdOf(event);
        if (ids && answer) run.write(approvalRequest(ids.proposalId, ids.approvalId, true, 3, 2000));
        if (event.body?.$case === 'modelToken' && event.body.value.isFinal) run.end();
      });
      assert.equal(result.error, null);
      return kinds(result.events);
    };
    assert.ok((await runOnce(true)).includes('toolApprovalRequest'));
    const second = await runOnce(false);
    assert.ok(!second.includes('toolApprovalRequest'), 'cached decision reused');
    assert.ok(second.includes('toolApprovalResponse'));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.ok((await runOnce(true)).includes('toolApprovalRequest'), 'asked again after expiry');
  });
});
