// The run engine over real SQLite with the built-in model: lifecycle, tape, approvals, cancellation, budgets.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunEvent } from '../../src/core/events/run-event.js';
import { CoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { createCoreFixture, type CoreFixture } from '../helpers/core-fixture.js';

async function collect(iterable: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

function kinds(events: RunEvent[]): string[] {
  return events.map((event) => (event.type === 'status' ? `status:${String(event.payload.kind)}` : event.type));
}

describe('run engine', () => {
  let fx: CoreFixture;
  before(() => {
    fx = createCoreFixture({ limits: { maxTurns: 3, maxToolCalls: 4 }, approvalTimeoutMs: 2_000 });
  });
  after(() => fx.close());

  test('one-shot prompt → accepted, in_progress, tokens, reply, done with gapless seq from 0', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: 'hello there', closeAfterPrompt: true });
    const { record, error } = await handle.finished;
    assert.equal(error, null);
    assert.equal(record.state, 'done');
    const events = await collect(fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000)));
    assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => index));
    const k = kinds(events);
    assert.equal(k[0], 'status:accepted');
    assert.equal(k[1], 'status:in_progress');
    assert.equal(k.at(-1), 'status:done');
    const reply = events.find((event) => event.type === 'message.replied');
    assert.equal(reply?.payload.reply_text, 'You said: hello there');
    const tokens = events.filter((event) => event.type === 'model_token');
    assert.equal(tokens.map((event) => event.payload.token).join(''), 'You said: hello there');
    assert.equal(tokens.at(-1)?.payload.is_final, true);
  });

  test('watch from the middle of a finished run → exactly the events after that seq', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: 'resume me please', closeAfterPrompt: true });
    await handle.finished;
    const all = await collect(fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000)));
    const tail = await collect(fx.core.runs.watch(fx.admin, handle.runId, 3, AbortSignal.timeout(5_000)));
    assert.deepEqual(tail.map((event) => event.seq), all.slice(4).map((event) => event.seq));
  });

  test('a live watcher joining mid-run sees no gap and no duplicate', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@slow 2\n@tokens 60' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    const live = collect(fx.core.runs.watch(fx.admin, handle.runId, 2, AbortSignal.timeout(10_000)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    handle.close();
    const events = await live;
    assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => index + 3));
    assert.equal(kinds(events).at(-1), 'status:done');
  });

  test('watch resumed at or past the final event of a finished run → ends at once with nothing', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: 'short', closeAfterPrompt: true });
    await handle.finished;
    const all = await collect(fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000)));
    const last = all.at(-1)?.seq ?? -1;
    assert.deepEqual(await collect(fx.core.runs.watch(fx.admin, handle.runId, last, AbortSignal.timeout(5_000))), []);
    assert.deepEqual(await collect(fx.core.runs.watch(fx.admin, handle.runId, last + 100, AbortSignal.timeout(5_000))), []);
  });

  test('reused run id → already_exists', async () => {
    const runId = newId();
    const first = await fx.core.runs.start(fx.admin, { runId, prompt: 'x', closeAfterPrompt: true });
    await first.finished;
    await assert.rejects(fx.core.runs.start(fx.admin, { runId, prompt: 'y' }), (error: unknown) => error instanceof CoreError && error.code === 'already_exists');
  });

  test('read-only tool runs without approval and its result reaches the next model turn', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@tool palyra.echo {"text":"ping"}', closeAfterPrompt: true });
    const { record } = await handle.finished;
    assert.equal(record.state, 'done');
    const events = await collect(fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000)));
    const order = kinds(events).filter((kind) => kind.startsWith('tool_'));
    assert.deepEqual(order, ['tool_proposal', 'tool_decision', 'tool_result', 'tool_attestation']);
    const proposal = events.find((event) => event.type === 'tool_proposal');
    assert.match(String(proposal?.payload.proposal_id), /^[0-9A-HJKMNP-TV-Z]{26}$/);
    const result = events.find((event) => event.type === 'tool_result');
    assert.equal(result?.payload.success, true);
    assert.match(String(events.find((event) => event.type === 'message.replied')?.payload.reply_text), /ping/);
  });

  test('process.run asks for approval; an answer from another client (decide) lets the run continue', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@tool palyra.process.run {"command":"echo","args":["hi"]}', closeAfterPrompt: true });
    let approvalId: string | undefined;
    for await (const event of fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000))) {
      if (event.type === 'tool_approval_request') {
        approvalId = String(event.payload.approval_id);
        break;
      }
    }
    assert.ok(approvalId);
    const pending = fx.core.approvals.list(fx.admin, { pendingOnly: true });
    assert.ok(pending.approvals.some((approval) => approval.approvalId === approvalId));
    await fx.core.approvals.decide(fx.admin, approvalId, { approved: false, reason: 'not today' });
    await assert.rejects(fx.core.approvals.decide(fx.admin, approvalId, { approved: true }), (error: unknown) => error instanceof CoreError && error.code === 'failed_precondition');
    const { record } = await handle.finished;
    assert.equal(record.state, 'done');
    const events = await collect(fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000)));
    const decision = events.find((event) => event.type === 'tool_decision');
    assert.equal(decision?.payload.kind, 'deny');
    assert.equal(decision?.payload.reason, 'not today');
  });

  test('an unanswered approval times out into a denial', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@tool palyra.process.run {"command":"echo","args":[]}', closeAfterPrompt: true });
    const { record } = await handle.finished;
    assert.equal(record.state, 'done');
    const events = await collect(fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000)));
    const response = events.find((event) => event.type === 'tool_approval_response');
    assert.equal(response?.payload.approved, false);
    assert.equal(response?.payload.reason, 'approval_response_timeout');
  });

  test('session-scoped approval is remembered for the next run in the same session', async () => {
    const first = await fx.core.runs.start(fx.admin, { prompt: '@tool palyra.process.run {"command":"echo","args":[]}' });
    for await (const event of fx.core.runs.watch(fx.admin, first.runId, -1, AbortSignal.timeout(5_000))) {
      if (event.type === 'tool_approval_request') {
        await first.answerApproval({ proposalId: String(event.payload.proposal_id), approved: false, scope: 'session' });
        break;
      }
    }
    first.close();
    await first.finished;
    const second = await fx.core.runs.start(fx.admin, { sessionId: first.sessionId, prompt: '@tool palyra.process.run {"command":"echo","args":[]}', closeAfterPrompt: true });
    await second.finished;
    const events = await collect(fx.core.runs.watch(fx.admin, second.runId, -1, AbortSignal.timeout(5_000)));
    assert.equal(events.filter((event) => event.type === 'tool_approval_request').length, 0);
    assert.match(String(events.find((event) => event.type === 'tool_approval_response')?.payload.reason), /^cached/);
  });

  test('cancel during a slow reply → state cancelled within 100 ms, status failed "cancelled by request"', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@slow 50\n@tokens 1000' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const started = performance.now();
    fx.core.runs.cancel(fx.admin, handle.runId, 'user pressed stop');
    const { record, error } = await handle.finished;
    assert.ok(performance.now() - started < 100, 'cancellation took too long');
    assert.equal(record.state, 'cancelled');
    assert.equal(record.cancelReason, 'user pressed stop');
    assert.equal(error?.code, 'cancelled');
    const events = await collect(fx.core.runs.watch(fx.admin, handle.runId, -1, AbortSignal.timeout(5_000)));
    assert.deepEqual(events.at(-1)?.payload, { kind: 'failed', message: 'cancelled by request' });
  });

  test('cancel asked twice while the run stops → the first reason both times; once finished → failed_precondition, record untouched', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@slow 50\n@tokens 1000' });
    assert.deepEqual(fx.core.runs.cancel(fx.admin, handle.runId, 'first'), { runId: handle.runId, cancelRequested: true, reason: 'first' });
    assert.equal(fx.core.runs.cancel(fx.admin, handle.runId, 'second').reason, 'first');
    const { record } = await handle.finished;
    assert.throws(
      () => fx.core.runs.cancel(fx.admin, handle.runId, 'third'),
      (error: unknown) => error instanceof CoreError && error.code === 'failed_precondition' && error.details.state === 'cancelled',
    );
    assert.deepEqual(fx.core.runs.get(fx.admin, handle.runId), record);
    const done = await fx.core.runs.start(fx.admin, { prompt: 'hi', closeAfterPrompt: true });
    const finished = (await done.finished).record;
    assert.throws(() => fx.core.runs.cancel(fx.admin, done.runId), /already finished \(done\)/);
    assert.deepEqual(fx.core.runs.get(fx.admin, done.runId), finished);
  });

  test('/cancel as a follow-up turn cancels the run', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: 'first' });
    handle.submit('/cancel');
    const { record } = await handle.finished;
    assert.equal(record.state, 'cancelled');
  });

  test('@loop exhausts the tool-call budget → failed', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@loop palyra.echo {"text":"again"}', closeAfterPrompt: true });
    const { record, error } = await handle.finished;
    assert.equal(record.state, 'failed');
    assert.equal(error?.code, 'resource_exhausted');
  });

  test('provider failure → failed with the provider message', async () => {
    const handle = await fx.core.runs.start(fx.admin, { prompt: '@fail unavailable upstream is down', closeAfterPrompt: true });
    const { record, error } = await handle.finished;
    assert.equal(record.state, 'failed');
    assert.equal(error?.code, 'unavailable');
    assert.match(record.lastError ?? '', /upstream is down/);
  });

  test('runs are listed per owner: another device of the same principal sees none of them', async () => {
    const phone = fx.user('carol');
    const laptop = { ...phone, deviceId: fx.user('y').deviceId };
    const handle = await fx.core.runs.start(phone, { prompt: 'mine', closeAfterPrompt: true });
    await handle.finished;
    assert.deepEqual(fx.core.runs.list(phone, {}).runs.map((run) => run.runId), [handle.runId]);
    assert.deepEqual(fx.core.runs.list(laptop, {}).runs, []);
  });

  test('approvals are listed per owner (principal + device + channel) in the query; admin sees all', async () => {
    const alicePhone = fx.user('alice-approvals');
    const aliceLaptop = { ...alicePhone, deviceId: fx.user('x').deviceId };
    const handle = await fx.core.runs.start(alicePhone, { prompt: '@tool palyra.process.run {"command":"echo","args":[]}' });
    for await (const event of fx.core.runs.watch(alicePhone, handle.runId, -1, AbortSignal.timeout(5_000))) {
      if (event.type === 'tool_approval_request') break;
    }
    const mine = fx.core.approvals.list(alicePhone, { pendingOnly: true, limit: 1 });
    assert.equal(mine.approvals.length, 1);
    assert.equal(mine.approvals[0]?.runId, handle.runId);
    assert.deepEqual(fx.core.approvals.list(aliceLaptop, { pendingOnly: true }).approvals, []);
    assert.ok(fx.core.approvals.list(fx.admin, { pendingOnly: true }).approvals.some((approval) => approval.runId === handle.runId));
    handle.cancel('done with the test');
    await handle.finished;
  });

  test('journal chain verifies after all of the above', async () => {
    const verdict = await fx.core.journal.verify();
    assert.equal(verdict.ok, true);
  });
});

describe('per-principal run limit under simultaneous starts', () => {
  test('8 starts at once with a limit of 3 → exactly 3 accepted and 5 resource_exhausted; a slot freed admits the next', async () => {
    const fx = createCoreFixture({ limits: { maxConcurrentPerPrincipal: 3 } });
    try {
      const ctx = fx.user('burst');
      // Each start creates its own session, so each awaits a journal commit before the run exists.
      const starts = await Promise.allSettled(Array.from({ length: 8 }, () => fx.core.runs.start(ctx, { prompt: '@slow 50\n@tokens 100' })));
      const accepted = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
      const refused = starts.flatMap((start) => (start.status === 'rejected' ? [start.reason as CoreError] : []));
      assert.equal(accepted.length, 3);
      assert.equal(refused.length, 5);
      for (const error of refused) assert.equal(error.code, 'resource_exhausted');
      assert.equal((await fx.core.runs.start(fx.user('someone-else'), { prompt: 'hi', closeAfterPrompt: true }).then((h) => h.finished)).record.state, 'done', 'other principals are not affected');

      fx.core.runs.cancel(ctx, accepted[0]?.runId ?? '', 'make room');
      await accepted[0]?.finished;
      const next = await fx.core.runs.start(ctx, { prompt: 'hi', closeAfterPrompt: true });
      assert.equal((await next.finished).record.state, 'done');
      for (const handle of accepted.slice(1)) fx.core.runs.cancel(ctx, handle.runId, 'done testing');
      await Promise.all(accepted.map((handle) => handle.finished));
    } finally {
      await fx.close();
    }
  });
});
