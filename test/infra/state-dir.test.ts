// prepareStateDir (mode 0700, writability, the one-daemon lock) and loadOrCreateAdminToken (0600, created once).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import { loadOrCreateAdminToken, prepareStateDir } from '../../src/infra/state-dir.js';

let dir: string;
let caseNumber = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'palyra-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function freshPath(): string {
  caseNumber += 1;
  return join(dir, `case-${caseNumber}`);
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

function failedPrecondition(run: () => unknown): CoreError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CoreError, `expected a CoreError, got ${String(error)}`);
    assert.equal(error.code, 'failed_precondition');
    return error;
  }
  assert.fail('no error thrown');
}

describe('prepareStateDir', () => {
  test('missing nested directory → created with mode 0700 and locked with our pid', () => {
    const path = join(freshPath(), 'nested', 'state');
    const lock = prepareStateDir(path);
    assert.equal(modeOf(path), 0o700);
    assert.equal(readFileSync(join(path, 'palyrad.lock'), 'utf8').trim(), String(process.pid));
    lock.release();
    assert.equal(existsSync(join(path, 'palyrad.lock')), false);
  });

  test('existing directory with mode 0755 → mode fixed to 0700', () => {
    const path = freshPath();
    mkdirSync(path);
    chmodSync(path, 0o755);
    prepareStateDir(path).release();
    assert.equal(modeOf(path), 0o700);
  });

  // Permission bits do not stop root (CI runs as root), so unwritability is produced by a parent
  // that is a regular file, which fails for every user.
  test('parent is a regular file → failed_precondition naming the path, the OS error and what to do', () => {
    const parent = freshPath();
    writeFileSync(parent, 'not a directory');
    const path = join(parent, 'state');
    const error = failedPrecondition(() => prepareStateDir(path));
    assert.ok(error.message.includes(`cannot create state dir ${path}`), error.message);
    assert.match(error.message, /ENOTDIR/);
    assert.match(error.message, /choose another --state-dir/);
  });

  test('path is a regular file → failed_precondition saying it is not a directory', () => {
    const path = freshPath();
    writeFileSync(path, '');
    const error = failedPrecondition(() => prepareStateDir(path));
    assert.match(error.message, /exists but is not a directory/);
  });

  test('second lock on the same dir → failed_precondition naming the holder pid; free again after release', () => {
    const path = freshPath();
    const first = prepareStateDir(path);
    const error = failedPrecondition(() => prepareStateDir(path));
    assert.ok(error.message.includes(`another palyrad (pid ${process.pid}) is using state dir ${path}`), error.message);
    assert.match(error.message, /stop it or choose another --state-dir/);
    first.release();
    first.release();
    prepareStateDir(path).release();
  });

  test('lock held by another live process → failed_precondition naming that pid', async () => {
    const path = freshPath();
    mkdirSync(path, { mode: 0o700 });
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(path, 'palyrad.lock'), `${child.pid}\n`);
      const error = failedPrecondition(() => prepareStateDir(path));
      assert.ok(error.message.includes(`pid ${child.pid}`), error.message);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('stale lock of a dead pid → replaced by our lock', () => {
    const path = freshPath();
    mkdirSync(path, { mode: 0o700 });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(path, 'palyrad.lock'), `${deadPid}\n`);
    const lock = prepareStateDir(path);
    assert.equal(readFileSync(join(path, 'palyrad.lock'), 'utf8').trim(), String(process.pid));
    lock.release();
  });

  test('release after another daemon took over the lock → their lock is left alone', () => {
    const path = freshPath();
    const lock = prepareStateDir(path);
    writeFileSync(join(path, 'palyrad.lock'), '999999999\n');
    lock.release();
    assert.equal(readFileSync(join(path, 'palyrad.lock'), 'utf8').trim(), '999999999');
  });
});

describe('loadOrCreateAdminToken', () => {
  test('no token anywhere → generated once (0600 file, 43 base64url chars), then read back unchanged', () => {
    const path = freshPath();
    prepareStateDir(path).release();
    const first = loadOrCreateAdminToken(path);
    assert.equal(first.created, true);
    assert.equal(first.source, 'generated');
    assert.equal(first.path, join(path, 'admin-token'));
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(modeOf(join(path, 'admin-token')), 0o600);
    const second = loadOrCreateAdminToken(path);
    assert.deepEqual(second, { token: first.token, created: false, source: 'file', path: first.path });
  });

  test('token configured → used as is and never written to disk', () => {
    const path = freshPath();
    prepareStateDir(path).release();
    const token = 'c'.repeat(40);
    assert.deepEqual(loadOrCreateAdminToken(path, token), { token, created: false, source: 'config', path: null });
    assert.equal(existsSync(join(path, 'admin-token')), false);
  });

  test('token file readable by group/others → mode fixed to 0600 and a warning returned', () => {
    const path = freshPath();
    prepareStateDir(path).release();
    const file = join(path, 'admin-token');
    writeFileSync(file, `${'t'.repeat(43)}\n`);
    chmodSync(file, 0o644);
    const result = loadOrCreateAdminToken(path);
    assert.equal(result.token, 't'.repeat(43));
    assert.equal(modeOf(file), 0o600);
    assert.match(result.warning ?? '', /was readable by group\/others \(mode 0644\)/);
  });

  test('token file too short → failed_precondition saying to delete it', () => {
    const path = freshPath();
    prepareStateDir(path).release();
    writeFileSync(join(path, 'admin-token'), 'short\n', { mode: 0o600 });
    const error = failedPrecondition(() => loadOrCreateAdminToken(path));
    assert.match(error.message, /delete it to have a new one generated/);
  });
});
