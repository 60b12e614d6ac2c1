// Doctor checks of the runtime: the Node.js and npm versions, and that the native modules load on this Node.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isSupportedNode, MIN_NODE_VERSION } from '../../infra/runtime-check.js';
import { check, errorText, type CheckResult } from './check.js';

const LTS_MAJORS = [22, 24];
const REINSTALL = 'run `npm ci` on a supported Node (22 or 24) so the native modules are built for it';

export function nodeVersionCheck(version = process.versions.node): CheckResult {
  if (!isSupportedNode(version)) {
    return check('node', 'fail', `Node.js ${version} is older than ${MIN_NODE_VERSION}`, 'install Node.js 22 or 24 (LTS), or run through npm, which uses the Node 24 in node_modules/.bin');
  }
  const major = Number(version.split('.')[0]);
  if (!LTS_MAJORS.includes(major)) return check('node', 'warn', `Node.js ${version} is supported but not an LTS line Palyra is tested on (22, 24)`, 'use Node.js 22 or 24');
  return check('node', 'ok', `Node.js ${version} (supported: >=${MIN_NODE_VERSION}, LTS 22 and 24)`);
}

export async function npmVersionCheck(): Promise<CheckResult> {
  try {
    const { stdout } = await promisify(execFile)('npm', ['--version'], { timeout: 10_000 });
    return check('npm', 'ok', `npm ${stdout.trim()}`);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return check('npm', 'warn', missing ? 'npm is not on PATH' : `npm --version failed: ${errorText(error)}`, 'install npm (it comes with Node.js); it is needed to build and update Palyra');
  }
}

export async function sqliteCheck(): Promise<CheckResult> {
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    try {
      const row = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
      return check('native:better-sqlite3', 'ok', `loads; SQLite ${row.version}`);
    } finally {
      db.close();
    }
  } catch (error) {
    return check('native:better-sqlite3', 'fail', `does not load: ${errorText(error)}`, REINSTALL);
  }
}

export async function quicNativeCheck(): Promise<CheckResult> {
  try {
    const { native } = await import('@matrixai/quic');
    if (typeof native.quiche.versionIsSupported !== 'function') throw new Error('the native binding has no quiche functions');
    return check('native:@matrixai/quic', 'ok', 'loads (quiche binding)');
  } catch (error) {
    return check('native:@matrixai/quic', 'fail', `does not load: ${errorText(error)}`, REINSTALL);
  }
}
