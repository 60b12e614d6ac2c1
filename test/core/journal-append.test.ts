// Journal.append on real SQLite: validation, chain links, errors, batching under concurrency.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SYSTEM_DEVICE_ID } from '../../src/core/context.js';
import { isCoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { rowHash } from '../../src/core/journal/hash-chain.js';
import { Journal, type JournalEventInput } from '../../src/core/journal/journal.js';
import { openDb, type Db } from '../../src/infra/store/db.js';
import { SqliteJournalStore } from '../../src/infra/store/journal-store.js';

let dir: string;
let db: Db;
let store: SqliteJournalStore;
let journal: Journal;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'palyra-'));
  db = openDb(join(dir, 'palyra.sqlite3'));
  store = new SqliteJournalStore(db);
  journal = new Journal(store, { maxPayloadBytes: 1024 });
});

afterEach(() => {
  store.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function event(overrides: Partial<JournalEventInput> = {}): JournalEventInput {
  return {
    kind: 'run.started',
    actor: 'system',
    principal: 'system:daemon',
    deviceId: SYSTEM_DEVICE_ID,
    payload: { event: 'run.started' },
    ...overrides,
  };
}

describe('Journal.append', () => {
  test('first event → seq 1, prev_hash null, hash recomputable; second links to the first', async () => {
    const first = await journal.append(event({ timestampMs: 1_700_000_000_000 }));
    const second = await journal.append(event({ kind: 'run.completed', sessionId: newId(), runId: newId(), channel: 'cli' }));
    assert.equal(first.seq, 1);
    assert.equal(first.prevHash, null);
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    assert.equal(first.hash, rowHash(first));
    assert.equal(second.seq, 2);
    assert.equal(second.prevHash, first.hash);
    assert.equal(second.hash, rowHash(second));
    assert.deepEqual(await journal.head(), { seq: 2, hash: second.hash });
    assert.equal(await journal.count(), 2);
    assert.deepEqual(await journal.page(0, 10), [first, second]);
  });

  test('secret payload → stored and hashed redacted', async () => {
    const record = await journal.append(event({ payload: { api_key: 'sk-123', note: 'ok' } }));
    assert.equal(record.payloadJson, '{"api_key":"<redacted>","note":"ok"}');
    assert.equal(record.redacted, true);
    const [stored] = await journal.page(0, 1);
    assert.equal(stored?.payloadJson, record.payloadJson);
    assert.equal(stored?.hash, rowHash(record));
  });

  test('raw non-JSON payload → stored as a marker', async () => {
    const record = await journal.append(event({ payload: undefined, rawPayload: 'plain text' }));
    assert.deepEqual(JSON.parse(record.payloadJson), { redacted: true, reason: 'non_json_payload', bytes: 10 });
  });

  test('given canonical event id → kept; no event id → a ULID is minted', async () => {
    const eventId = newId();
    assert.equal((await journal.append(event({ eventId }))).eventId, eventId);
    assert.match((await journal.append(event())).eventId, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  test('duplicate event id → already_exists naming the id', async () => {
    const eventId = newId();
    await journal.append(event({ eventId }));
    await assert.rejects(journal.append(event({ eventId })), (error) => {
      assert.ok(isCoreError(error, 'already_exists'));
      assert.equal(error.message, `journal event already exists: ${eventId}`);
      return true;
    });
    assert.equal(await journal.count(), 1);
  });

  test('payload over the byte limit → out_of_range, nothing stored', async () => {
    await assert.rejects(journal.append(event({ payload: { text: 'é'.repeat(600) } })), (error) => isCoreError(error, 'out_of_range'));
    await assert.rejects(journal.append(event({ payload: undefined, rawPayload: 'x'.repeat(2000) })), (error) =>
      isCoreError(error, 'out_of_range'),
    );
    assert.equal(await journal.count(), 0);
  });

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const invalidInputs: Array<[string, Partial<JournalEventInput>]> = [
    ['BigInt payload', { payload: { n: 1n } }],
    ['circular payload', { payload: circular }],
    ['payload and raw payload together', { rawPayload: '{}' }],
    ['kind without an area', { kind: 'started' }],
    ['upper-case kind', { kind: 'Run.Started' }],
    ['unknown actor', { actor: 'robot' as JournalEventInput['actor'] }],
    ['bad principal', { principal: 'root' }],
    ['non-ULID device id', { deviceId: 'device-1' }],
    ['non-canonical event id', { eventId: newId().toLowerCase() }],
    ['non-ULID run id', { runId: '42' }],
    ['channel with a pipe', { channel: 'a|b' }],
    ['zero timestamp', { timestampMs: 0 }],
    ['fractional timestamp', { timestampMs: 1.5 }],
  ];
  for (const [name, overrides] of invalidInputs) {
    test(`${name} → invalid_argument, nothing stored`, async () => {
      await assert.rejects(journal.append(event(overrides)), (error) => isCoreError(error, 'invalid_argument'));
      assert.equal(await journal.count(), 0);
    });
  }

  test('1000 concurrent appends → all stored, seq 1..1000, chain intact', async () => {
    const records = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => journal.append(event({ payload: { index } }))),
    );
    assert.deepEqual(
      records.map((record) => record.seq),
      Array.from({ length: 1000 }, (_, index) => index + 1),
    );
    assert.deepEqual(await journal.verify(), { ok: true, count: 1000, head: records[999]?.hash });
  });

  test('a batch with one duplicate id → only that append fails, the chain stays intact', async () => {
    const taken = newId();
    await journal.append(event({ eventId: taken }));
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) => journal.append(event(index === 20 ? { eventId: taken } : { payload: { index } }))),
    );
    const rejected = results.flatMap((result, index) => (result.status === 'rejected' ? [index] : []));
    assert.deepEqual(rejected, [20]);
    assert.equal(await journal.count(), 50);
    assert.deepEqual(await journal.verify(), { ok: true, count: 50, head: (await journal.head())?.hash });
  });
});

describe('SqliteJournalStore.append', () => {
  test('a seal that throws rolls its batch back → the others are retried one by one, chain intact', async () => {
    const labels = ['a', 'b', 'bad', 'c', 'd'];
    const results = await Promise.allSettled(
      labels.map((label) => {
        const row = draft(label);
        return store.append(row, (prevHash) => {
          if (label === 'bad') throw new Error('seal failed');
          return rowHash({ ...row, prevHash });
        });
      }),
    );
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.deepEqual(await journal.verify(), { ok: true, count: 4, head: store.head()?.hash });
  });
});

function draft(label: string) {
  return {
    eventId: newId(),
    kind: 'test.sealed',
    actor: 'system' as const,
    principal: 'system:test',
    deviceId: SYSTEM_DEVICE_ID,
    channel: null,
    sessionId: null,
    runId: null,
    timestampMs: 1,
    payloadJson: JSON.stringify({ label }),
    redacted: false,
    createdAtMs: 1,
  };
}
