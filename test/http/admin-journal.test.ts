// POST /admin/v1/journal/events against the real daemon: bad input gets the right status and envelope.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('POST /admin/v1/journal/events', () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon();
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  const post = (body: string, contentType = 'application/json') =>
    daemon.admin('/admin/v1/journal/events', { method: 'POST', body, headers: { 'content-type': contentType } });

  test('valid event → 201 with the chain link to the previous head; secrets redacted before hashing', async () => {
    const first = await post(JSON.stringify({ kind: 'test.first', actor: 'user', payload: { password: 'hunter2', note: 'ok' } }));
    assert.equal(first.status, 201);
    const a = (await first.json()) as { hash: string; payload_json: string; redacted: boolean; principal: string };
    assert.equal(a.redacted, true);
    assert.ok(!a.payload_json.includes('hunter2'));
    assert.equal(a.principal, 'admin:local');
    const second = (await (await post(JSON.stringify({ kind: 'test.second', actor: 'agent' }))).json()) as { prev_hash: string };
    assert.equal(second.prev_hash, a.hash);
  });

  test('duplicate event_id → 409 already_exists naming the id', async () => {
    const eventId = newId();
    assert.equal((await post(JSON.stringify({ event_id: eventId, kind: 'test.dup', actor: 'user' }))).status, 201);
    const again = await post(JSON.stringify({ event_id: eventId, kind: 'test.dup', actor: 'user' }));
    assert.equal(again.status, 409);
    const body = (await again.json()) as { code: string; error: string };
    assert.equal(body.code, 'already_exists');
    assert.ok(body.error.includes(eventId));
  });

  const rejected: Array<[string, string, string, number, string]> = [
    ['malformed JSON', '{"kind": "test.x", ', 'application/json', 400, 'invalid_argument'],
    ['wrong content type', 'kind=test.x', 'application/x-www-form-urlencoded', 415, 'invalid_argument'],
    ['bad kind', JSON.stringify({ kind: 'NoDots', actor: 'user' }), 'application/json', 400, 'invalid_argument'],
    ['unknown field', JSON.stringify({ kind: 'test.x', actor: 'user', principal: 'admin:evil' }), 'application/json', 400, 'invalid_argument'],
    ['bad event_id', JSON.stringify({ event_id: 'not-a-ulid', kind: 'test.x', actor: 'user' }), 'application/json', 400, 'invalid_argument'],
    ['system actor', JSON.stringify({ kind: 'test.x', actor: 'system' }), 'application/json', 400, 'invalid_argument'],
    ['daemon-only kind', JSON.stringify({ kind: 'run.completed', actor: 'user' }), 'application/json', 403, 'permission_denied'],
    ['body over 64 KiB', JSON.stringify({ kind: 'test.big', actor: 'user', payload: { blob: 'x'.repeat(70_000) } }), 'application/json', 413, 'out_of_range'],
  ];
  for (const [name, body, contentType, status, code] of rejected) {
    test(`${name} → ${status} ${code}`, async () => {
      const response = await post(body, contentType);
      assert.equal(response.status, status);
      const envelope = (await response.json()) as { code: string; error: string; category: string; retryable: boolean };
      assert.equal(envelope.code, code);
      assert.equal(typeof envelope.error, 'string');
      assert.equal(typeof envelope.retryable, 'boolean');
    });
  }

  test('chain still verifies after the rejected requests', async () => {
    const verdict = (await (await daemon.admin('/admin/v1/journal/verify')).json()) as { ok: boolean; count: number };
    assert.equal(verdict.ok, true);
    assert.ok(verdict.count >= 3);
  });
});
