// palyra.node.invoke through a real run: approval per device and capability, then the node's result.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunEvent } from '../../src/core/events/run-event.js';
import { createNodeFixture, type NodeFixture, type PairedNode, RecordingSink } from '../helpers/node-fixture.js';

async function untilApprovalRequest(fx: NodeFixture, runId: string): Promise<RunEvent | undefined> {
  for await (const event of fx.core.runs.watch(fx.admin, runId, -1, AbortSignal.timeout(5_000))) {
    if (event.type === 'tool_approval_request') return event;
    if (event.type === 'status' && (event.payload.kind === 'done' || event.payload.kind === 'failed')) return undefined;
  }
  return undefined;
}

describe('palyra.node.invoke tool', () => {
  let fx: NodeFixture;
  let node: PairedNode;
  const sink = new RecordingSink();
  before(async () => {
    fx = await createNodeFixture();
    node = await fx.pairNode([
      { name: 'echo', available: true },
      { name: 'system.health', available: true },
    ]);
    fx.core.nodes.attach(node.ctx, sink);
  });
  after(() => fx.close());

  const prompt = (capability: string) => `@tool palyra.node.invoke ${JSON.stringify({ device_id: node.identity.deviceId, capability, input: { text: 'hi' } })}`;

  test('asks with subject node:<device_id>:<capability>; once approved the node gets the task and its output reaches the run', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: prompt('echo') });
    const request = await untilApprovalRequest(fx, handle.runId);
    const subjectId = `node:${node.identity.deviceId}:echo`;
    assert.equal((request?.payload.prompt as { subject_id: string }).subject_id, subjectId);
    const stored = fx.db.prepare('SELECT subject_type, subject_id FROM approvals WHERE approval_id = ?').get(String(request?.payload.approval_id));
    assert.deepEqual(stored, { subject_type: 'node_capability', subject_id: subjectId });
    await handle.answerApproval({ proposalId: String(request?.payload.proposal_id), approved: true, scope: 'session' });
    const [task] = await sink.waitForPushes(1);
    assert.deepEqual([task?.capability, task?.inputJson], ['echo', '{"text":"hi"}']);
    assert.equal(fx.core.nodes.getTask(fx.admin, task?.taskId ?? '').runId, handle.runId);
    await fx.core.nodes.acceptUpdate(node.ctx, { taskId: task?.taskId ?? '', result: { success: true, outputJson: '{"echo":"hi"}' } });
    handle.close();
    const { record } = await handle.finished;
    assert.equal(record.state, 'done');
    const events: RunEvent[] = [];
    for await (const event of fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000))) events.push(event);
    const result = events.find((event) => event.type === 'tool_result');
    assert.equal(result?.payload.success, true);
    assert.deepEqual(JSON.parse(String(result?.payload.output_json)), { task_id: task?.taskId, output: { echo: 'hi' } });

    // "Allow for this session" covers that capability on that node only.
    const again = await fx.core.runs.start(fx.admin, { sessionId: handle.sessionId, prompt: prompt('echo'), closeAfterPrompt: true });
    const pushed = sink.waitForPushes(2);
    const cachedRequest = untilApprovalRequest(fx, again.runId);
    const [, second] = await pushed;
    await fx.core.nodes.acceptUpdate(node.ctx, { taskId: second?.taskId ?? '', result: { success: true, outputJson: '1' } });
    assert.equal(await cachedRequest, undefined, 'no approval asked for the same device and capability');
    await again.finished;
    const other = await fx.core.runs.start(fx.admin, { sessionId: handle.sessionId, prompt: prompt('system.health'), closeAfterPrompt: true });
    const otherRequest = await untilApprovalRequest(fx, other.runId);
    assert.equal((otherRequest?.payload.prompt as { subject_id: string }).subject_id, `node:${node.identity.deviceId}:system.health`);
    await other.answerApproval({ proposalId: String(otherRequest?.payload.proposal_id), approved: false });
    await other.finished;
  });

  test('a capability the node does not offer → tool result with failed_precondition, nothing queued', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: prompt('shell.exec'), closeAfterPrompt: true });
    const request = await untilApprovalRequest(fx, handle.runId);
    await handle.answerApproval({ proposalId: String(request?.payload.proposal_id), approved: true });
    await handle.finished;
    const events: RunEvent[] = [];
    for await (const event of fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000))) events.push(event);
    const result = events.find((event) => event.type === 'tool_result');
    assert.equal(result?.payload.success, false);
    assert.match(String(result?.payload.error), /^failed_precondition: node does not offer capability shell.exec/);
  });
});
