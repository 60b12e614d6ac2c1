// The CLI's stored session token (from `palyra login`): one JSON file, mode 0600, under the user's config dir.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredSession {
  token: string;
  principal: string;
  device_id: string;
  /** The daemon this session belongs to: its HTTP API and its gRPC gateway. */
  url: string;
  grpc: string;
  expires_at_unix_ms: number;
}

/** `$XDG_CONFIG_HOME/palyra` or `~/.config/palyra`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'palyra');
}

export function sessionFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'session.json');
}

/** The stored session, unless there is none or it expired. */
export function loadSession(env: NodeJS.ProcessEnv = process.env): StoredSession | undefined {
  const path = sessionFilePath(env);
  if (!existsSync(path)) return undefined;
  const session = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredSession>;
  // A file from an older CLI lacks `url`; it cannot be used for HTTP commands, so it counts as absent.
  if (typeof session.url !== 'string' || typeof session.token !== 'string') return undefined;
  return (session.expires_at_unix_ms ?? 0) > Date.now() ? (session as StoredSession) : undefined;
}

/** Removes the stored session; true if there was one. */
export function removeSession(env: NodeJS.ProcessEnv = process.env): boolean {
  const path = sessionFilePath(env);
  if (!existsSync(path)) return false;
  unlinkSync(path);
  return true;
}

/** Writes atomically with mode 0600 in a 0700 directory. */
export function saveSession(session: StoredSession, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = sessionFilePath(env);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(session)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
  return path;
}
