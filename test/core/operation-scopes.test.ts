// One scope per operation: operations that read other records on the way (start, cancel, list, archive, decide, revoke) need only their own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CallContext, createContext } from '../../src/core/context.js';
import { CoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { createCoreFixture, type CoreFixture } from '../helpers/core-fixture.js';

describe('a caller holding only the scope of the operation', () => {
  let fx: CoreFixture;
  const deviceId = newId();
  /** user:alice on one device, with exactly `scopes`: every record below is hers. */
  const alice = (...scopes: string[]): CallContext => createContext({ principal: 'user:alice', deviceId, scopes, credential: 'api_token' });

  before(() => {
    fx = createCoreFixture({ approvalTimeoutMs: 10_000 });
  });
  after(() => fx.close());

  test('runs.start (runs:write) in a new and in an existing session → accepted, and its handle reads the record', async () => {
    const first = await fx.core.runs.start(alice('runs:write'), { prompt: 'hello', closeAfterPrompt: true });
    assert.equal(first.record().runId, first.runId);
    const second = await fx.core.runs.start(alice('runs:write'), { sessionId: first.sessionId, prompt: 'again', closeAfterPrompt: true });
    assert.equal(second.sessionId, first.sessionId);
    await Promise.all([first.finished, second.finished]);
  });

  test('runs.list of one session (runs:read) → the session\'s runs', async () => {
    const handle = await fx.core.runs.start(alice('*'), { prompt: 'hello', closeAfterPrompt: true });
    await handle.finished;
    const page = fx.core.runs.list(alice('runs:read'), { sessionId: handle.sessionId });
    assert.deepEqual(page.runs.map((run) => run.runId), [handle.runId]);
  });

  test('runs.cancel (runs:write) → cancel requested', async () => {
    const handle = await fx.core.runs.start(alice('*'), { prompt: '@slow 50\n@tokens 200' });
    const result = await fx.core.runs.cancel(alice('runs:write'), handle.runId);
    assert.equal(result.cancelRequested, true);
    assert.equal((await handle.finished).record.state, 'cancelled');
  });

  test('sessions.cleanup (sessions:write) → archived', async () => {
    const { session } = await fx.core.sessions.resolve(alice('*'), {});
    const result = await fx.core.sessions.cleanup(alice('sessions:write'), session.sessionId);
    assert.equal(result.newlyArchived, true);
  });

  test('approvals.decide (approvals:write) → decided', async () => {
    const handle = await fx.core.runs.start(alice('*'), { prompt: '@tool palyra.process.run {"command":"echo","args":[]}', closeAfterPrompt: true });
    let approvalId: string | undefined;
    for await (const event of handle.events(-1, AbortSignal.timeout(5_000))) {
      if (event.type === 'tool_approval_request') {
        approvalId = String(event.payload.approval_id);
        break;
      }
    }
    assert.ok(approvalId);
    const resolved = await fx.core.approvals.decide(alice('approvals:write'), approvalId, { approved: false, reason: 'scoped' });
    assert.equal(resolved.approved, false);
    await handle.finished;
  });

  test('tokens.revokeApiToken (tokens:write) → revoked', async () => {
    const issued = await fx.core.tokens.createApiToken(fx.admin, { name: 'own', principal: 'user:alice', scopes: ['runs:read'] });
    assert.deepEqual(await fx.core.tokens.revokeApiToken(alice('tokens:write'), issued.record.tokenId), { revoked: true });
  });

  test('the operation\'s scope still decides and ownership still holds: runs.start without runs:write, or in another user\'s session → refused', async () => {
    const refused = (codes: string[]) => (error: unknown) => error instanceof CoreError && codes.includes(error.code);
    await assert.rejects(fx.core.runs.start(alice('sessions:write'), { prompt: 'hello' }), refused(['permission_denied']));
    const { session } = await fx.core.sessions.resolve(fx.user('bob'), {});
    await assert.rejects(fx.core.runs.start(alice('runs:write'), { sessionId: session.sessionId, prompt: 'hello' }), refused(['permission_denied', 'not_found']));
  });
});
