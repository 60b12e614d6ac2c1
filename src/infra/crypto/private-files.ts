// Private files on disk: 0700 directories and 0600 files written atomically (temp file, fsync, rename).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Creates `path` (and parents) with mode 0700, or tightens an existing directory to 0700. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: DIR_MODE });
  if ((statSync(path).mode & 0o777) !== DIR_MODE) chmodSync(path, DIR_MODE);
}

/**
 * Writes `content` to `path` with mode 0600 so that a reader sees the old file or the new one, never
 * a torn one: a temp file in the same directory, fsync, rename, then fsync of the directory.
 */
export function writePrivateFile(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', FILE_MODE);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Whether a private file's mode lets group or others read it (it should be 0600). */
export function isExposed(path: string): boolean {
  return (statSync(path).mode & 0o077) !== 0;
}
