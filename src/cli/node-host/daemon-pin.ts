// Where the paired daemon is and which CA it is pinned to: `<state>/daemon.json`, written at pairing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreError } from '../../core/errors.js';
import { writePrivateFile } from '../../infra/crypto/private-files.js';

export const DAEMON_FILE = 'daemon.json';

export interface DaemonPin {
  host: string;
  port: number;
  caFingerprint: string;
}

export function saveDaemonPin(stateDir: string, pin: DaemonPin): void {
  writePrivateFile(join(stateDir, DAEMON_FILE), `${JSON.stringify({ host: pin.host, port: pin.port, ca_fingerprint: pin.caFingerprint })}\n`);
}

/** @throws CoreError `failed_precondition` when the node has not been paired. */
export function loadDaemonPin(stateDir: string): DaemonPin {
  const path = join(stateDir, DAEMON_FILE);
  if (!existsSync(path)) throw new CoreError('failed_precondition', `${stateDir} holds no paired daemon; run \`palyra node pair <join-string>\` first`);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { host?: unknown; port?: unknown; ca_fingerprint?: unknown };
  if (typeof raw.host !== 'string' || typeof raw.port !== 'number' || typeof raw.ca_fingerprint !== 'string') {
    throw new CoreError('failed_precondition', `${path} is not a daemon pin file`);
  }
  return { host: raw.host, port: raw.port, caFingerprint: raw.ca_fingerprint };
}
