// Ids of runs, sessions and approvals are no oracle: another owner's id is answered exactly like an unknown one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallContext } from '../../src/core/context.js';
import { CoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { createCoreFixture, type CoreFixture } from '../helpers/core-fixture.js';

/** The error `attempt` fails with, with the id it named replaced by `<id>`. */
async function refusal(attempt: () => unknown, id: string): Promise<{ code: string; message: string }> {
  try {
    await attempt();
  } catch (error) {
    assert.ok(error instanceof CoreError, String(error));
    return { code: error.code, message: error.message.replaceAll(id, '<id>') };
  }
  throw new Error('the call succeeded but was expected to fail');
}

describe('owned ids (runs, sessions, approvals)', () => {
  let fx: CoreFixture;
  let alice: CallContext;
  let bob: CallContext;
  let run: { runId: string; sessionId: string; approvalId: string };
  before(async () => {
    fx = createCoreFixture();
    alice = fx.user('alice');
    bob = fx.user('bob');
    const handle = await fx.core.runs.start(alice, { prompt: '@tool palyra.process.run {"command":"echo","args":[]}' });
    let approvalId = '';
    for await (const event of fx.core.runs.watch(alice, handle.runId, -1, AbortSignal.timeout(5_000))) {
      if (event.type === 'tool_approval_request') {
        approvalId = String(event.payload.approval_id);
        break;
      }
    }
    run = { runId: handle.runId, sessionId: handle.sessionId, approvalId };
  });
  after(() => fx.close());

  const cases: Array<[string, (ids: typeof run, id: () => string) => [string, (ctx: CallContext, id: string) => unknown]]> = [
    ['runs.get', (ids) => [ids.runId, (ctx, id) => fx.core.runs.get(ctx, id)]],
    ['runs.cancel', (ids) => [ids.runId, (ctx, id) => fx.core.runs.cancel(ctx, id, 'not yours')]],
    ['runs.readTape', (ids) => [ids.runId, (ctx, id) => fx.core.runs.readTape(ctx, id, -1, 10)]],
    ['sessions.get', (ids) => [ids.sessionId, (ctx, id) => fx.core.sessions.get(ctx, id)]],
    ['sessions.cleanup', (ids) => [ids.sessionId, (ctx, id) => fx.core.sessions.cleanup(ctx, id)]],
    ['sessions.resolve (require_existing)', (ids) => [ids.sessionId, (ctx, id) => fx.core.sessions.resolve(ctx, { sessionId: id, requireExisting: true })]],
    ['runs.start in that session (require_existing)', (ids) => [ids.sessionId, (ctx, id) => fx.core.runs.start(ctx, { sessionId: id, requireExistingSession: true, prompt: 'hijack' })]],
    ['approvals.get', (ids) => [ids.approvalId, (ctx, id) => fx.core.approvals.get(ctx, id)]],
    ['approvals.decide', (ids) => [ids.approvalId, (ctx, id) => fx.core.approvals.decide(ctx, id, { approved: true })]],
  ];

  for (const [name, pick] of cases) {
    test(`${name}: another owner's id → the same not_found as an unknown id`, async () => {
      const [foreignId, attempt] = pick(run, newId);
      const unknownId = newId();
      const foreign = await refusal(() => attempt(bob, foreignId), foreignId);
      const unknown = await refusal(() => attempt(bob, unknownId), unknownId);
      assert.deepEqual(foreign, unknown);
      assert.equal(foreign.code, 'not_found');
    });
  }

  test('a foreign session id without require_existing → not_found, nothing created in it', async () => {
    const refused = await refusal(() => fx.core.runs.start(bob, { sessionId: run.sessionId, prompt: 'hijack' }), run.sessionId);
    assert.deepEqual(refused, { code: 'not_found', message: 'session not found: <id>' });
    assert.deepEqual(fx.core.runs.list(alice, { sessionId: run.sessionId }).runs.map((record) => record.runId), [run.runId]);
  });

  test('each refusal of a foreign id is still a denial: counted and journaled as auth.denied', async () => {
    const counted = async () => (await fx.core.metrics.denials.get()).values.find((value) => value.labels.code === 'permission_denied')?.value ?? 0;
    const journaled = () => fx.db.prepare("SELECT principal, payload_json AS payload FROM journal_events WHERE kind = 'auth.denied'").all() as Array<{ principal: string; payload: string }>;
    // Journal appends of denials are not awaited by the refusal; they commit with the next batch.
    const settled = () => new Promise((resolve) => setTimeout(resolve, 50));
    await settled();
    const countedBefore = await counted();
    const journaledBefore = journaled().length;
    await refusal(() => fx.core.runs.get(bob, run.runId), run.runId);
    await refusal(() => fx.core.runs.get(bob, newId()), 'x');
    assert.equal(await counted(), countedBefore + 1);
    await settled();
    const denied = journaled().slice(journaledBefore);
    assert.equal(denied.length, 1);
    assert.equal(denied[0]?.principal, 'user:bob');
    assert.match(denied[0]?.payload ?? '', new RegExp(`runs.read.*run ${run.runId} belongs to another`));
  });

  test('the owner and an admin still reach every id', async () => {
    assert.equal(fx.core.runs.get(alice, run.runId).principal, 'user:alice');
    assert.equal(fx.core.runs.get(fx.admin, run.runId).principal, 'user:alice');
    assert.equal(fx.core.approvals.get(fx.admin, run.approvalId).runId, run.runId);
    assert.equal(fx.core.sessions.get(alice, run.sessionId).sessionId, run.sessionId);
  });
});
