// statementCache: SQL built per call is prepared once per distinct text, within a bound.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDb } from '../../src/infra/store/db.js';
import { statementCache } from '../../src/infra/store/statement-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'palyra-stmt-'));
const db = openDb(join(dir, 'palyra.db'));
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the same text → the same prepared statement; different text → another; results as prepared fresh', () => {
  const prepare = statementCache(db);
  const first = prepare<[number], { v: number }>('SELECT ? + 1 AS v');
  assert.equal(prepare('SELECT ? + 1 AS v'), first);
  assert.notEqual(prepare('SELECT ? + 2 AS v'), first);
  assert.equal(first.get(41)?.v, 42);
});

test('past 256 distinct texts → the oldest is dropped and prepared again when asked', () => {
  const prepare = statementCache(db);
  const oldest = prepare('SELECT 0 AS v');
  for (let i = 1; i <= 256; i += 1) prepare(`SELECT ${i} AS v`);
  assert.notEqual(prepare('SELECT 0 AS v'), oldest);
  assert.equal(prepare('SELECT 256 AS v'), prepare('SELECT 256 AS v'));
});
