// Doctor checks of the state directory: it exists, belongs to this user, is 0700; the admin token file is 0600.
import { statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { PalyraConfig } from '../../infra/config/schema.js';
import { ADMIN_TOKEN_FILE } from '../../infra/state-files.js';
import { check, errorText, type CheckResult } from './check.js';

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

function statOrMissing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function ownerProblem(path: string, stat: Stats): CheckResult | undefined {
  const uid = process.getuid?.();
  if (uid === undefined || stat.uid === uid) return undefined;
  return check('state-dir', 'fail', `${path} belongs to uid ${stat.uid}, not to this user (uid ${uid})`, `run palyrad and palyra as its owner, or \`chown -R ${uid} ${path}\``);
}

export function stateDirCheck(config: PalyraConfig): CheckResult {
  const path = config.stateDir;
  let stat: Stats | undefined;
  try {
    stat = statOrMissing(path);
  } catch (error) {
    return check('state-dir', 'fail', `cannot inspect ${path}: ${errorText(error)}`, 'give this user access to it or choose another --state-dir');
  }
  if (!stat) return check('state-dir', 'warn', `${path} does not exist yet`, 'start palyrad once (it creates it, mode 0700), or point --state-dir / PALYRA_STATE_DIR at the existing one');
  if (!stat.isDirectory()) return check('state-dir', 'fail', `${path} is not a directory`, 'move the file away or choose another --state-dir');
  const owner = ownerProblem(path, stat);
  if (owner) return owner;
  if ((stat.mode & 0o777) !== 0o700) {
    return check('state-dir', 'fail', `${path} has mode ${octal(stat.mode)}; it holds secrets and must be 0700 (owner only)`, `chmod 700 ${path}`);
  }
  return check('state-dir', 'ok', `${path} (mode 0700, owned by this user)`);
}

export function adminTokenFileCheck(config: PalyraConfig): CheckResult {
  const path = join(config.stateDir, ADMIN_TOKEN_FILE);
  if (config.auth.adminToken !== undefined) return check('admin-token', 'skip', 'the admin token comes from the config (auth.admin_token / PALYRA_ADMIN_TOKEN), not from a file');
  let stat: Stats | undefined;
  try {
    stat = statOrMissing(path);
  } catch (error) {
    return check('admin-token', 'fail', `cannot inspect ${path}: ${errorText(error)}`, 'give this user access to the state dir');
  }
  if (!stat) return check('admin-token', 'warn', `${path} does not exist yet`, 'start palyrad: it generates the admin token on first start');
  if (!stat.isFile()) return check('admin-token', 'fail', `${path} is not a regular file`, `remove ${path}; palyrad then generates a new token`);
  if ((stat.mode & 0o077) !== 0) {
    return check('admin-token', 'fail', `${path} has mode ${octal(stat.mode)}: group/others can read the admin token`, `chmod 600 ${path} (and if others may have read it, delete it and restart palyrad to rotate the token)`);
  }
  return check('admin-token', 'ok', `${path} (mode ${octal(stat.mode)})`);
}
