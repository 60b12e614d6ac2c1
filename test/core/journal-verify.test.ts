// Journal verification on real SQLite: triggers refuse changes, tampering is found at the right seq.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SYSTEM_DEVICE_ID } from '../../src/core/context.js';
import { rowHash, verifyChain } from '../../src/core/journal/hash-chain.js';
import { Journal } from '../../src/core/journal/journal.js';
import type { JournalRow } from '../../src/core/journal/store.js';
import { openDb, type Db } from '../../src/infra/store/db.js';
import { SqliteJournalStore } from '../../src/infra/store/journal-store.js';

const ROWS = 10;
let dir: string;
let original: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palyra-'));
  original = join(dir, 'palyra.sqlite3');
  const db = openDb(original);
  const store = new SqliteJournalStore(db);
  const journal = new Journal(store);
  for (let index = 1; index <= ROWS; index += 1) {
    await journal.append({
      kind: 'test.event',
      actor: 'agent',
      principal: 'user:ana',
      deviceId: SYSTEM_DEVICE_ID,
      payload: { index },
    });
  }
  store.close();
  db.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

let copies = 0;
/** A copy of the journal with its append-only triggers dropped and `tamper` applied. */
function tamperedCopy(tamper: (db: Db) => void): string {
  copies += 1;
  const path = join(dir, `tampered-${copies}.sqlite3`);
  copyFileSync(original, path);
  const db = openDb(path);
  db.exec('DROP TRIGGER journal_events_no_update; DROP TRIGGER journal_events_no_delete;');
  tamper(db);
  db.close();
  return path;
}

async function verifyFile(path: string) {
  const db = openDb(path, { readonly: true });
  try {
    const store = new SqliteJournalStore(db);
    const streamed = verifyChain(store.iterate());
    assert.deepEqual(await new Journal(store).verify(), streamed, 'paged and streamed verification agree');
    return streamed;
  } finally {
    db.close();
  }
}

function readRow(db: Db, seq: number): JournalRow {
  const store = new SqliteJournalStore(db);
  const row = store.page(seq - 1, 1)[0];
  assert.ok(row);
  return row;
}

describe('journal verification', () => {
  test('untouched journal → ok with count and head', async () => {
    const verdict = await verifyFile(original);
    assert.equal(verdict.ok, true);
    assert.equal(verdict.count, ROWS);
    const db = openDb(original, { readonly: true });
    assert.deepEqual(verdict, { ok: true, count: ROWS, head: new SqliteJournalStore(db).head()?.hash });
    db.close();
  });

  test('UPDATE or DELETE with triggers in place → refused as append-only', () => {
    const db = openDb(original);
    try {
      assert.throws(() => db.prepare("UPDATE journal_events SET payload_json = '{}' WHERE seq = 1").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM journal_events WHERE seq = 1').run(), /append-only/);
    } finally {
      db.close();
    }
  });

  test('payload changed at seq 5 → broken at seq 5, hash mismatch, 4 intact', async () => {
    const path = tamperedCopy((db) => db.prepare(`UPDATE journal_events SET payload_json = '{"index":500}' WHERE seq = 5`).run());
    assert.deepEqual(await verifyFile(path), {
      ok: false,
      count: 4,
      brokenAtSeq: 5,
      reason: 'hash does not match the row contents',
    });
  });

  test('payload and hash rewritten at seq 5 → broken at seq 6, prev_hash mismatch', async () => {
    const path = tamperedCopy((db) => {
      const row = { ...readRow(db, 5), payloadJson: '{"index":500}' };
      db.prepare('UPDATE journal_events SET payload_json = ?, hash = ? WHERE seq = 5').run(row.payloadJson, rowHash(row));
    });
    assert.deepEqual(await verifyFile(path), {
      ok: false,
      count: 5,
      brokenAtSeq: 6,
      reason: 'prev_hash does not match the hash of seq 5',
    });
  });

  test('row 3 deleted → broken at seq 4', async () => {
    const path = tamperedCopy((db) => db.prepare('DELETE FROM journal_events WHERE seq = 3').run());
    assert.deepEqual(await verifyFile(path), {
      ok: false,
      count: 2,
      brokenAtSeq: 4,
      reason: 'prev_hash does not match the hash of seq 2',
    });
  });

  test('first row deleted → broken at seq 2, which has a prev_hash', async () => {
    const path = tamperedCopy((db) => db.prepare('DELETE FROM journal_events WHERE seq = 1').run());
    assert.deepEqual(await verifyFile(path), { ok: false, count: 0, brokenAtSeq: 2, reason: 'first row has a prev_hash' });
  });

  test('unhashed column changed (created_at_ms) → still ok', async () => {
    const path = tamperedCopy((db) => db.prepare('UPDATE journal_events SET created_at_ms = 1 WHERE seq = 2').run());
    assert.equal((await verifyFile(path)).ok, true);
  });
});

describe('incremental verification (the console audit page)', () => {
  /** A journal over a copy of the original, with a count of the rows each verify reads. */
  function countingJournal() {
    copies += 1;
    const path = join(dir, `incremental-${copies}.sqlite3`);
    copyFileSync(original, path);
    const db = openDb(path);
    const store = new SqliteJournalStore(db);
    let rowsRead = 0;
    const counted = Object.create(store) as SqliteJournalStore;
    counted.page = (afterSeq: number, limit: number) => {
      const rows = store.page(afterSeq, limit);
      rowsRead += rows.length;
      return rows;
    };
    const journal = new Journal(counted);
    const append = (index: number) => journal.append({ kind: 'test.event', actor: 'agent', principal: 'user:ana', deviceId: SYSTEM_DEVICE_ID, payload: { index } });
    return {
      db,
      journal,
      append,
      async verify(full = false) {
        rowsRead = 0;
        const verdict = await journal.verify({ full });
        return { verdict, rowsRead };
      },
    };
  }

  test('a second verify reads only the confirmed last row and the rows appended since; full reads them all', async () => {
    const subject = countingJournal();
    try {
      const first = await subject.verify();
      assert.equal(first.verdict.ok && first.verdict.count, ROWS);
      assert.equal(first.rowsRead, ROWS);
      for (let index = 1; index <= 5; index += 1) await subject.append(100 + index);
      const second = await subject.verify();
      assert.equal(second.verdict.ok && second.verdict.count, ROWS + 5);
      assert.equal(second.rowsRead, 1 + 5, 'the checkpoint row, then the new rows');
      const full = await subject.verify(true);
      assert.deepEqual(full.verdict, second.verdict);
      assert.equal(full.rowsRead, ROWS + 5);
    } finally {
      subject.db.close();
    }
  });

  test('a break after the verified prefix is found at its seq, with the intact count', async () => {
    const subject = countingJournal();
    try {
      await subject.verify();
      await subject.append(11);
      await subject.append(12);
      subject.db.exec('DROP TRIGGER journal_events_no_update;');
      subject.db.prepare(`UPDATE journal_events SET payload_json = '{"index":1200}' WHERE seq = 12`).run();
      const { verdict } = await subject.verify();
      assert.deepEqual(verdict, { ok: false, count: 11, brokenAtSeq: 12, reason: 'hash does not match the row contents' });
    } finally {
      subject.db.close();
    }
  });

  test('the verified prefix changed behind the daemon: its last row → found by the next verify; an earlier row → found by a full verify', async () => {
    const subject = countingJournal();
    try {
      await subject.verify();
      subject.db.exec('DROP TRIGGER journal_events_no_update;');
      subject.db.prepare(`UPDATE journal_events SET payload_json = '{"index":300}' WHERE seq = 3`).run();
      assert.equal((await subject.verify()).verdict.ok, true, 'an incremental verify trusts rows it already checked');
      assert.deepEqual((await subject.verify(true)).verdict, { ok: false, count: 2, brokenAtSeq: 3, reason: 'hash does not match the row contents' });

      const fresh = countingJournal();
      try {
        await fresh.verify();
        fresh.db.exec('DROP TRIGGER journal_events_no_update;');
        fresh.db.prepare(`UPDATE journal_events SET payload_json = '{"index":1000}' WHERE seq = ${ROWS}`).run();
        const { verdict, rowsRead } = await fresh.verify();
        assert.deepEqual(verdict, { ok: false, count: ROWS - 1, brokenAtSeq: ROWS, reason: 'hash does not match the row contents' });
        assert.equal(rowsRead, 1 + ROWS, 'the changed checkpoint row sends the walk back to the start');
      } finally {
        fresh.db.close();
      }
    } finally {
      subject.db.close();
    }
  });
});

describe('verifyChain', () => {
  test('no rows → ok, count 0, head null', () => {
    assert.deepEqual(verifyChain([]), { ok: true, count: 0, head: null });
  });

  test('rows out of seq order → broken at the row that goes backwards', () => {
    const db = openDb(original, { readonly: true });
    const rows = new SqliteJournalStore(db).page(0, 3);
    db.close();
    const [first, second, third] = rows;
    assert.ok(first && second && third);
    assert.deepEqual(verifyChain([first, third, second]), {
      ok: false,
      count: 1,
      brokenAtSeq: 3,
      reason: 'prev_hash does not match the hash of seq 1',
    });
    assert.deepEqual(verifyChain([first, second, second]), { ok: false, count: 2, brokenAtSeq: 2, reason: 'seq 2 is not after seq 2' });
  });
});
