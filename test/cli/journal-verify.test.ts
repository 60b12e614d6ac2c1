// `palyra journal verify` as a process: exit 0 intact, 1 broken (with the seq), 2 no database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { SYSTEM_DEVICE_ID } from '../../src/core/context.js';
import { Journal } from '../../src/core/journal/journal.js';
import { DB_FILE_NAME, openDb } from '../../src/infra/store/db.js';
import { SqliteJournalStore } from '../../src/infra/store/journal-store.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = 'src/bin/palyra.ts';
const skip = existsSync(join(ROOT, BIN)) ? false : `${BIN} does not exist yet`;

let dir: string;
let intact: string;
let tampered: string;
let head: string | undefined;

function palyra(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { PALYRA_STATE_DIR: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function writeJournal(stateDir: string, events: number): Promise<string | undefined> {
  mkdirSync(stateDir, { recursive: true });
  const db = openDb(join(stateDir, DB_FILE_NAME));
  const store = new SqliteJournalStore(db);
  const journal = new Journal(store);
  for (let index = 0; index < events; index += 1) {
    await journal.append({ kind: 'cli.test', actor: 'user', principal: 'user:ana', deviceId: SYSTEM_DEVICE_ID, payload: { index } });
  }
  const hash = store.head()?.hash;
  store.close();
  db.close();
  return hash;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palyra-'));
  intact = join(dir, 'intact');
  tampered = join(dir, 'tampered');
  head = await writeJournal(intact, 5);
  await writeJournal(tampered, 5);
  const db = openDb(join(tampered, DB_FILE_NAME));
  db.exec("DROP TRIGGER journal_events_no_update; UPDATE journal_events SET kind = 'cli.forged' WHERE seq = 3;");
  db.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('palyra journal verify', { skip }, () => {
  test('intact journal → exit 0, "ok <count> events, head <hash>"', () => {
    const { code, stdout } = palyra(['journal', 'verify', '--state-dir', intact]);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), `ok 5 events, head ${head}`);
  });

  test('intact journal with --json → exit 0, JSON verdict', () => {
    const { code, stdout } = palyra(['journal', 'verify', '--state-dir', intact, '--json']);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), { db_path: join(intact, DB_FILE_NAME), ok: true, count: 5, head });
  });

  test('state dir from PALYRA_STATE_DIR → used when no flag is given', () => {
    const { code, stdout } = palyra(['journal', 'verify'], { PALYRA_STATE_DIR: intact });
    assert.equal(code, 0);
    assert.match(stdout, /^ok 5 events/);
  });

  test('row 3 altered → exit 1, "broken at seq 3: …"', () => {
    const { code, stdout } = palyra(['journal', 'verify', '--state-dir', tampered]);
    assert.equal(code, 1);
    assert.equal(stdout.trim(), 'broken at seq 3: hash does not match the row contents');
  });

  test('row 3 altered with --json → exit 1, broken_at_seq 3', () => {
    const { code, stdout } = palyra(['journal', 'verify', '--json', '--state-dir', tampered]);
    assert.equal(code, 1);
    assert.deepEqual(JSON.parse(stdout), {
      db_path: join(tampered, DB_FILE_NAME),
      ok: false,
      count: 2,
      broken_at_seq: 3,
      reason: 'hash does not match the row contents',
    });
  });

  test('no database in the state dir → exit 3 (unavailable), message naming the path, nothing created', () => {
    const missing = join(dir, 'missing');
    const { code, stdout, stderr } = palyra(['journal', 'verify', '--state-dir', missing]);
    assert.equal(code, 3);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`no database at ${join(missing, DB_FILE_NAME).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(existsSync(missing), false);
  });
});
