// The state directory: created private (0700), checked writable, locked to one daemon; and the admin token kept in it.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { CoreError } from '../core/errors.js';
import { ADMIN_TOKEN_MIN_LENGTH } from './config/schema.js';
import { ADMIN_TOKEN_FILE } from './state-files.js';

const DIR_MODE = 0o700;
const SECRET_FILE_MODE = 0o600;
const LOCK_FILE = 'palyrad.lock';
// A lock file without a readable pid is younger than this only while its creator is still writing it.
const LOCK_WRITE_GRACE_MS = 2_000;

export interface StateDirLock {
  /** The state directory (as given). */
  readonly path: string;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): void;
}

export interface AdminToken {
  token: string;
  /** True only when this call generated the token: the daemon prints it on first start only. */
  created: boolean;
  source: 'config' | 'file' | 'generated';
  /** The token file, or null when the token came from the config (it is then never written). */
  path: string | null;
  /** Set when the token file was readable by group/others and its mode was fixed to 0600. */
  warning?: string;
}

function osMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stateDirError(message: string, error?: unknown): CoreError {
  return new CoreError('failed_precondition', message, error === undefined ? {} : { cause: error });
}

function ensurePrivateDirectory(path: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: DIR_MODE });
  } catch (error) {
    // mkdir -p reports an existing non-directory as EEXIST; the check below names it better.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw stateDirError(
        `cannot create state dir ${path}: ${osMessage(error)}; choose another --state-dir (or PALYRA_STATE_DIR) whose parent is a writable directory`,
        error,
      );
    }
  }
  const stat = statSync(path);
  if (!stat.isDirectory()) {
    throw stateDirError(`state dir ${path} exists but is not a directory; choose another --state-dir or move the file away`);
  }
  if ((stat.mode & 0o777) === DIR_MODE) return;
  try {
    chmodSync(path, DIR_MODE);
  } catch (error) {
    throw stateDirError(
      `cannot set state dir ${path} to mode 0700: ${osMessage(error)}; run palyrad as the directory's owner or choose another --state-dir`,
      error,
    );
  }
}

// Permission bits do not stop root, so writability is proven by writing, not by access(2).
function assertWritable(path: string): void {
  const probe = join(path, `.write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx', SECRET_FILE_MODE));
    unlinkSync(probe);
  } catch (error) {
    throw stateDirError(
      `state dir ${path} is not writable: ${osMessage(error)}; give this user write access to it or choose another --state-dir`,
      error,
    );
  }
}

function readLockPid(lockPath: string): number | null {
  const text = readFileSync(lockPath, 'utf8').trim();
  return /^\d+$/.test(text) ? Number(text) : null;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreateLock(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', SECRET_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw stateDirError(`cannot create lock file ${lockPath}: ${osMessage(error)}`, error);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function takeLock(path: string, lockPath: string): void {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreateLock(lockPath)) return;
    let holder: number | null;
    let ageMs: number;
    try {
      holder = readLockPid(lockPath);
      ageMs = Date.now() - statSync(lockPath).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw stateDirError(`cannot read lock file ${lockPath}: ${osMessage(error)}`, error);
    }
    if (holder !== null && isProcessAlive(holder)) {
      throw stateDirError(
        `another palyrad (pid ${holder}) is using state dir ${path}; stop it or choose another --state-dir ` +
          `(if no palyrad is running, delete ${lockPath})`,
      );
    }
    if (holder === null && ageMs < LOCK_WRITE_GRACE_MS) {
      throw stateDirError(`another palyrad is starting in state dir ${path}; stop it or choose another --state-dir`);
    }
    try {
      unlinkSync(lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw stateDirError(`cannot remove stale lock file ${lockPath}: ${osMessage(error)}`, error);
      }
    }
  }
  throw stateDirError(`cannot take the lock ${lockPath}: it keeps changing; is another palyrad starting?`);
}

/**
 * Creates the state directory with mode 0700 (or fixes the mode), proves it is writable and takes
 * the daemon lock `<state>/palyrad.lock` (exclusive create, holding our pid). A lock whose pid is
 * no longer running is stale and replaced.
 *
 * @throws CoreError `failed_precondition` naming the path, the OS error and what to do; when the
 *   lock is held by a live process, naming its pid.
 */
export function prepareStateDir(path: string): StateDirLock {
  ensurePrivateDirectory(path);
  assertWritable(path);
  const lockPath = join(path, LOCK_FILE);
  takeLock(path, lockPath);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        if (readLockPid(lockPath) === process.pid) unlinkSync(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },
  };
}

function writeSecretFileAtomically(path: string, content: string): void {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', SECRET_FILE_MODE);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function readTokenFile(path: string): AdminToken {
  const stat = statSync(path);
  if (!stat.isFile()) {
    throw stateDirError(`admin token file ${path} is not a regular file; remove it to have a new token generated`);
  }
  let warning: string | undefined;
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    try {
      chmodSync(path, SECRET_FILE_MODE);
    } catch (error) {
      throw stateDirError(
        `admin token file ${path} is readable by group/others (mode ${mode}) and cannot be fixed: ${osMessage(error)}; ` +
          'run `chmod 600` on it as its owner',
        error,
      );
    }
    warning = `admin token file ${path} was readable by group/others (mode ${mode}); its mode is now 0600. If others could read it, delete it and restart palyrad to rotate the token`;
  }
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < ADMIN_TOKEN_MIN_LENGTH || /\s/.test(token)) {
    throw stateDirError(
      `admin token file ${path} does not hold a token of at least ${ADMIN_TOKEN_MIN_LENGTH} characters without spaces; ` +
        'delete it to have a new one generated',
    );
  }
  return { token, created: false, source: 'file', path, ...(warning ? { warning } : {}) };
}

/**
 * The admin token: the configured one if any (never written to disk); else the one in
 * `<state>/admin-token`; else a new one (32 random bytes, base64url) written atomically with mode
 * 0600. A token file readable by group/others is tightened to 0600 and reported in `warning`
 * rather than refused, because the daemon can fix it safely; it is refused only if the fix fails.
 *
 * @throws CoreError `failed_precondition` when the file cannot be read, fixed or written, or holds
 *   no valid token.
 */
export function loadOrCreateAdminToken(stateDir: string, fromConfig?: string): AdminToken {
  if (fromConfig !== undefined) return { token: fromConfig, created: false, source: 'config', path: null };
  const path = join(stateDir, ADMIN_TOKEN_FILE);
  try {
    return readTokenFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof CoreError) throw error;
      throw stateDirError(`cannot read admin token file ${path}: ${osMessage(error)}`, error);
    }
  }
  const token = randomBytes(32).toString('base64url');
  try {
    writeSecretFileAtomically(path, `${token}\n`);
  } catch (error) {
    throw stateDirError(
      `cannot write admin token file ${path}: ${osMessage(error)}; make the state dir writable or set PALYRA_ADMIN_TOKEN`,
      error,
    );
  }
  return { token, created: true, source: 'generated', path };
}
