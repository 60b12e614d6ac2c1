// The durable node task queue: refusal before enqueue, bounds, push, order, re-delivery, binding, timeouts, commit points, restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { createNodeFixture, fails, type NodeFixture, type PairedNode, RecordingSink } from '../helpers/node-fixture.js';

const taskCount = (fx: NodeFixture) => (fx.db.prepare('SELECT COUNT(*) AS n FROM node_tasks').get() as { n: number }).n;
const stateOf = (fx: NodeFixture, taskId: string) => (fx.db.prepare('SELECT state FROM node_tasks WHERE task_id = ?').get(taskId) as { state: string } | undefined)?.state;

describe('node task queue', () => {
  let fx: NodeFixture;
  let node: PairedNode;
  before(async () => {
    fx = await createNodeFixture({ tasks: { maxQueuedPerNode: 3, maxInFlightPerNode: 2 } });
    node = await fx.pairNode([
      { name: 'echo', available: true },
      { name: 'desktop.open_url', available: false },
    ]);
  });
  after(() => fx.close());

  test('invoke → pushed to the attached channel → result accepted → caller gets the output; a duplicate result is acknowledged again', async () => {
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(node.ctx, sink, { maxConcurrentTasks: 4 });
    try {
      const pending = fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', input: { text: 'hi' } });
      const [task] = await sink.waitForPushes(1);
      assert.ok(task);
      assert.deepEqual([task.capability, task.inputJson, task.attempt, task.maxOutputBytes], ['echo', '{"text":"hi"}', 1, 65_536]);
      await fx.core.nodes.acceptUpdate(node.ctx, { taskId: task.taskId, progress: { stage: 'running' } });
      assert.equal(stateOf(fx, task.taskId), 'running');
      const ack = await fx.core.nodes.acceptUpdate(node.ctx, { taskId: task.taskId, result: { success: true, outputJson: '{"echo":{"text":"hi"}}' } });
      assert.deepEqual(ack, { taskId: task.taskId, accepted: true, reason: 'recorded' });
      const result = await pending;
      assert.deepEqual([result.taskId, result.success, result.output], [task.taskId, true, { echo: { text: 'hi' } }]);
      const again = await fx.core.nodes.acceptUpdate(node.ctx, { taskId: task.taskId, result: { success: false, error: 'late duplicate' } });
      assert.deepEqual(again, { taskId: task.taskId, accepted: true, reason: 'already_recorded' });
      assert.equal(fx.core.nodes.getTask(fx.admin, task.taskId).success, true, 'the first result stands');
    } finally {
      channel.detach();
    }
  });

  test('refused before enqueue: unknown node, unknown or unavailable capability, unregistered or revoked node (no row written)', async () => {
    const before = taskCount(fx);
    await assert.rejects(fx.core.nodes.invoke(fx.admin, { deviceId: newId(), capability: 'echo' }), fails('not_found'));
    const byReason = (reason: string) => (error: unknown) => error instanceof CoreError && error.code === 'failed_precondition' && error.details.reason === reason;
    await assert.rejects(fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'shell.exec' }), byReason('capability_unknown'));
    await assert.rejects(fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'desktop.open_url' }), byReason('capability_unavailable'));
    const unregistered = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, { autoApprove: true });
    await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, unregistered));
    await assert.rejects(fx.core.nodes.invoke(fx.admin, { deviceId: unregistered.deviceId, capability: 'echo' }), byReason('not_registered'));
    const doomed = await fx.pairNode();
    await fx.core.devices.revoke(fx.admin, doomed.identity.deviceId);
    await assert.rejects(fx.core.nodes.invoke(fx.admin, { deviceId: doomed.identity.deviceId, capability: 'echo' }), byReason('device_revoked'));
    await assert.rejects(fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', inputJson: '{nope' }), fails('invalid_argument'));
    assert.equal(taskCount(fx), before);
  });

  test('bounded: the queue holds 3 per node, the 4th invoke → resource_exhausted; in flight stays ≤ 2 and frees a slot per result', async () => {
    const target = await fx.pairNode();
    const calls = [1, 2, 3].map((n) => fx.core.nodes.invoke(fx.admin, { deviceId: target.identity.deviceId, capability: 'echo', input: n, timeoutMs: 10_000 }));
    await assert.rejects(fx.core.nodes.invoke(fx.admin, { deviceId: target.identity.deviceId, capability: 'echo' }), fails('resource_exhausted', /queue is full/));
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(target.ctx, sink, { maxConcurrentTasks: 16 });
    try {
      await sink.waitForPushes(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(sink.pushed.length, 2, 'the in-flight bound (2) wins over the node hello (16)');
      await fx.core.nodes.acceptUpdate(target.ctx, { taskId: sink.pushed[0]?.taskId ?? '', result: { success: true, outputJson: '1' } });
      await sink.waitForPushes(3);
      for (const task of sink.pushed.slice(1)) await fx.core.nodes.acceptUpdate(target.ctx, { taskId: task.taskId, result: { success: true, outputJson: task.inputJson } });
      assert.deepEqual((await Promise.all(calls)).map((r) => r.output), [1, 2, 3]);
    } finally {
      channel.detach();
    }
  });

  test('re-delivery: a task delivered on a channel that dropped is pushed again on the next attach with attempt 2', async () => {
    const first = new RecordingSink();
    let channel = fx.core.nodes.attach(node.ctx, first);
    const pending = fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', input: 'again', timeoutMs: 10_000 });
    const [delivered] = await first.waitForPushes(1);
    channel.detach();
    const second = new RecordingSink();
    channel = fx.core.nodes.attach(node.ctx, second);
    try {
      const [redelivered] = await second.waitForPushes(1);
      assert.deepEqual([redelivered?.taskId, redelivered?.attempt], [delivered?.taskId, 2]);
      await fx.core.nodes.acceptUpdate(node.ctx, { taskId: delivered?.taskId ?? '', result: { success: true, outputJson: '"again"' } });
      assert.equal((await pending).output, 'again');
    } finally {
      channel.detach();
    }
  });

  test('a newer channel for the same node replaces the older one (close is called on it)', async () => {
    const old = new RecordingSink();
    const a = fx.core.nodes.attach(node.ctx, old);
    const b = fx.core.nodes.attach(node.ctx, new RecordingSink());
    assert.equal(old.closedWith?.code, 'aborted');
    assert.equal(old.closedWith?.details.reason, 'superseded');
    a.detach();
    b.detach();
  });

  test('a result from another device → permission_denied and the task is untouched', async () => {
    const other = await fx.pairNode();
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(node.ctx, sink);
    try {
      const pending = fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', input: 1, timeoutMs: 10_000 });
      const [task] = await sink.waitForPushes(1);
      await assert.rejects(fx.core.nodes.acceptUpdate(other.ctx, { taskId: task?.taskId ?? '', result: { success: true, outputJson: '"forged"' } }), fails('permission_denied', /another device/));
      assert.equal(fx.core.nodes.getTask(fx.admin, task?.taskId ?? '').state, 'delivered', 'delivery is written behind: the queue holds it');
      await assert.rejects(fx.core.nodes.acceptUpdate(fx.admin, { taskId: task?.taskId ?? '', result: { success: true } }), fails('permission_denied'));
      await fx.core.nodes.acceptUpdate(node.ctx, { taskId: task?.taskId ?? '', result: { success: true, outputJson: '"real"' } });
      assert.equal((await pending).output, 'real');
    } finally {
      channel.detach();
    }
  });

  test('timeout: the caller gets deadline_exceeded, the task is timed_out, the node is told to cancel; a late result is refused', async () => {
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(node.ctx, sink);
    try {
      const started = Date.now();
      const pending = fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', timeoutMs: 1_000 });
      const [task] = await sink.waitForPushes(1);
      await assert.rejects(pending, fails('deadline_exceeded'));
      assert.equal(Date.now() - started < 2_500, true);
      assert.equal(stateOf(fx, task?.taskId ?? ''), 'timed_out');
      assert.deepEqual(sink.cancelled.map((c) => c.taskId), [task?.taskId]);
      const late = await fx.core.nodes.acceptUpdate(node.ctx, { taskId: task?.taskId ?? '', result: { success: true } });
      assert.deepEqual([late.accepted, late.reason], [false, 'timed_out']);
    } finally {
      channel.detach();
    }
  });

  test('a queued task whose deadline passed is never delivered later (no channel while it waited)', async () => {
    const target = await fx.pairNode();
    const pending = fx.core.nodes.invoke(fx.admin, { deviceId: target.identity.deviceId, capability: 'echo', timeoutMs: 1_000 });
    await assert.rejects(pending, fails('deadline_exceeded'));
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(target.ctx, sink);
    await new Promise((resolve) => setTimeout(resolve, 50));
    channel.detach();
    assert.equal(sink.pushed.length, 0);
  });

  test('output above max_output_bytes fails the task (output_too_large); invalid JSON fails it too', async () => {
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(node.ctx, sink, { maxConcurrentTasks: 2 });
    try {
      const big = fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', maxOutputBytes: 16, timeoutMs: 10_000 });
      const bad = fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', timeoutMs: 10_000 });
      const [first, second] = await sink.waitForPushes(2);
      assert.equal(first?.maxOutputBytes, 16);
      const ack = await fx.core.nodes.acceptUpdate(node.ctx, { taskId: first?.taskId ?? '', result: { success: true, outputJson: JSON.stringify('x'.repeat(100)) } });
      assert.deepEqual([ack.accepted, ack.reason], [false, 'output_too_large']);
      const result = await big;
      assert.equal(result.success, false);
      assert.match(result.error, /output_too_large: 102 bytes > max_output_bytes=16/);
      await fx.core.nodes.acceptUpdate(node.ctx, { taskId: second?.taskId ?? '', result: { success: true, outputJson: '{oops' } });
      assert.match((await bad).error, /invalid_output/);
    } finally {
      channel.detach();
    }
  });

  test('the caller going away cancels the task and tells the node', async () => {
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(node.ctx, sink);
    try {
      const controller = new AbortController();
      const pending = fx.core.nodes.invoke({ ...fx.admin, signal: controller.signal }, { deviceId: node.identity.deviceId, capability: 'echo', timeoutMs: 10_000 });
      const [task] = await sink.waitForPushes(1);
      controller.abort();
      await assert.rejects(pending, fails('cancelled'));
      assert.equal(stateOf(fx, task?.taskId ?? ''), 'cancelled');
      assert.deepEqual(sink.cancelled.map((c) => c.taskId), [task?.taskId]);
    } finally {
      channel.detach();
    }
  });

  test('revoking a node cancels its unfinished tasks, fails their callers and closes its task channel', async () => {
    const target = await fx.pairNode();
    const sink = new RecordingSink();
    fx.core.nodes.attach(target.ctx, sink);
    const pending = fx.core.nodes.invoke(fx.admin, { deviceId: target.identity.deviceId, capability: 'echo', timeoutMs: 10_000 });
    const outcome = pending.then(() => null, (error: unknown) => error);
    const [task] = await sink.waitForPushes(1);
    await fx.core.devices.revoke(fx.admin, target.identity.deviceId, 'compromised');
    assert.ok(fails('failed_precondition', /device revoked/)(await outcome));
    assert.equal(stateOf(fx, task?.taskId ?? ''), 'cancelled');
    assert.equal(sink.closedWith?.code, 'permission_denied', 'a revoked node is told it may not come back');
    assert.equal(sink.closedWith?.details.reason, 'device_revoked');
    assert.match(sink.closedWith?.message ?? '', /device revoked: compromised/);
    assert.throws(() => fx.core.nodes.attach(target.ctx, new RecordingSink()), fails('permission_denied', /revoked/));
  });
});

describe('node task queue: what is committed when', () => {
  let fx: NodeFixture;
  let node: PairedNode;
  before(async () => {
    fx = await createNodeFixture();
    node = await fx.pairNode();
  });
  after(() => fx.close());

  test('the task id is announced only once its queued row is committed; the caller is answered only once the final state is', async () => {
    const sink = new RecordingSink();
    const channel = fx.core.nodes.attach(node.ctx, sink);
    try {
      let queuedState: string | undefined;
      const pending = fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', input: 1, onQueued: (taskId) => (queuedState = stateOf(fx, taskId)) });
      const [task] = await sink.waitForPushes(1);
      const ack = fx.core.nodes.acceptUpdate(node.ctx, { taskId: task?.taskId ?? '', result: { success: true, outputJson: '1' } });
      const result = await pending;
      assert.ok(queuedState, 'the row existed when the id was announced');
      assert.equal(stateOf(fx, result.taskId), 'succeeded', 'committed before the caller got the result');
      assert.equal((await ack).reason, 'recorded');
      const journaled = fx.db.prepare("SELECT COUNT(*) AS n FROM journal_events WHERE kind = 'node.task_finished' AND json_extract(payload_json, '$.task_id') = ?").get(result.taskId) as { n: number };
      assert.equal(journaled.n, 1, 'the journal event commits with the final state');
    } finally {
      channel.detach();
    }
  });

  test('a node taking one task at a time gets them in invoke order, and again in that order after a re-attach', async () => {
    const first = new RecordingSink();
    let channel = fx.core.nodes.attach(node.ctx, first, { maxConcurrentTasks: 1 });
    const calls = [1, 2, 3, 4].map((n) => fx.core.nodes.invoke(fx.admin, { deviceId: node.identity.deviceId, capability: 'echo', input: n, timeoutMs: 10_000 }));
    const [head] = await first.waitForPushes(1);
    channel.detach();
    const second = new RecordingSink();
    channel = fx.core.nodes.attach(node.ctx, second, { maxConcurrentTasks: 1 });
    try {
      for (let i = 1; i <= 4; i += 1) {
        const task = (await second.waitForPushes(i))[i - 1];
        if (i === 1) assert.deepEqual([task?.taskId, task?.attempt], [head?.taskId, 2], 'the in-flight task is re-sent first');
        await fx.core.nodes.acceptUpdate(node.ctx, { taskId: task?.taskId ?? '', result: { success: true, outputJson: task?.inputJson ?? 'null' } });
      }
      assert.deepEqual(second.pushed.map((task) => task.inputJson), ['1', '2', '3', '4']);
      assert.deepEqual((await Promise.all(calls)).map((r) => r.output), [1, 2, 3, 4]);
    } finally {
      channel.detach();
    }
  });
});

describe('node task queue across a daemon restart', () => {
  test('queued and delivered tasks survive; overdue ones time out; survivors are delivered again with attempt + 1', async () => {
    const first = await createNodeFixture();
    const node = await first.pairNode();
    const sink = new RecordingSink();
    first.core.nodes.attach(node.ctx, sink);
    const delivered = first.core.nodes.invoke(first.admin, { deviceId: node.identity.deviceId, capability: 'echo', input: 'a', timeoutMs: 60_000 });
    const [task] = await sink.waitForPushes(1);
    const overdue = first.core.nodes.invoke(first.admin, { deviceId: node.identity.deviceId, capability: 'echo', input: 'b', timeoutMs: 1_000 });
    const outcomes = Promise.all([delivered, overdue].map((call) => call.then(() => null, (error: unknown) => error)));
    await first.close(true);
    const [a, b] = await outcomes;
    assert.ok(fails('unavailable', /shutting down/)(a));
    assert.ok(fails('unavailable')(b));
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const second = await createNodeFixture({ dir: first.dir });
    try {
      assert.equal(second.ca.fingerprint, first.ca.fingerprint, 'same CA after restart');
      const recovered = await second.core.nodes.recover();
      assert.deepEqual([recovered.requeued, recovered.timedOut], [1, 1]);
      const states = second.db.prepare('SELECT input_json, state FROM node_tasks ORDER BY task_id').all();
      assert.deepEqual(states, [
        { input_json: '"a"', state: 'queued' },
        { input_json: '"b"', state: 'timed_out' },
      ]);
      const ctx = second.core.devices.authenticateCertificate(node.certDer);
      const after = new RecordingSink();
      second.core.nodes.attach(ctx, after);
      const [again] = await after.waitForPushes(1);
      assert.deepEqual([again?.taskId, again?.attempt], [task?.taskId, 2]);
      const ack = await second.core.nodes.acceptUpdate(ctx, { taskId: again?.taskId ?? '', result: { success: true, outputJson: '"a"' } });
      assert.equal(ack.accepted, true);
      assert.equal(second.core.nodes.getTask(second.admin, again?.taskId ?? '').state, 'succeeded');
    } finally {
      await second.close();
    }
  });
});
