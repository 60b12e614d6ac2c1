// The canvas token signing key: 32 random bytes in <state>/canvas-token-key (0600), kept across restarts, rotatable.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanvasKeyStore } from '../../core/canvas/canvas-tokens.js';
import { CoreError } from '../../core/errors.js';
import { CANVAS_KEY_FILE } from '../state-files.js';
import { isExposed, writePrivateFile } from './private-files.js';

const KEY_BYTES = 32;

/**
 * Loads the key from the state directory, creating it on first start. A file readable by others is
 * tightened to 0600. @throws CoreError `failed_precondition` for a file that holds no valid key.
 */
export function loadOrCreateCanvasKey(stateDir: string): CanvasKeyStore {
  const path = join(stateDir, CANVAS_KEY_FILE);
  let key: Buffer;
  try {
    if (isExposed(path)) chmodSync(path, 0o600);
    key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    if (key.length !== KEY_BYTES) throw new CoreError('failed_precondition', `${path} does not hold a ${KEY_BYTES}-byte key; delete it to make a new one`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    key = writeNewKey(path);
  }
  return {
    current: () => key,
    rotate: () => {
      key = writeNewKey(path);
    },
  };
}

function writeNewKey(path: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  writePrivateFile(path, `${key.toString('base64url')}\n`);
  return key;
}
