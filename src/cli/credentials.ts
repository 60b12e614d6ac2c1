// Which credential a `palyra` command presents: --token / PALYRA_ADMIN_TOKEN, else the stored login, else
// (for a daemon on loopback only) the admin token palyrad keeps in its state directory.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { ADMIN_TOKEN_FILE } from '../infra/state-files.js';
import type { GlobalOptions } from './global-options.js';
import { CliError, EXIT_CODES } from './output.js';
import { loadSession } from './session-file.js';

export interface Credential {
  /** The bearer token. */
  token: string;
  /** Where it came from, for messages: `--token`, `login`, or the token file's path. */
  source: string;
  /** Session tokens are bound to the device that logged in; it is sent with every call. */
  deviceId?: string;
}

/** The daemon addresses a command talks to, after a stored login has filled in the ones not given. */
export interface Target {
  url: string;
  grpc: string;
  credential: Credential | undefined;
}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

function grpcHost(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

function readStateDirToken(stateDir: string): Credential | undefined {
  const path = join(resolve(stateDir), ADMIN_TOKEN_FILE);
  try {
    const token = readFileSync(path, 'utf8').trim();
    return token ? { token, source: path } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves the daemon addresses and the credential for a command. A stored login is used when the
 * command does not name other addresses; the state directory's admin token only when both the HTTP
 * and the gRPC address are loopback, so the CLI never sends a local secret to a remote daemon.
 */
export function resolveTarget(options: GlobalOptions): Target {
  if (options.token) return { url: options.url, grpc: options.grpc, credential: { token: options.token, source: '--token' } };
  const session = loadSession();
  if (session && (!options.urlGiven || session.url === options.url) && (!options.grpcGiven || session.grpc === options.grpc)) {
    return { url: session.url, grpc: session.grpc, credential: { token: session.token, source: 'login', deviceId: session.device_id } };
  }
  const local = isLoopbackHost(new URL(options.url).hostname) && isLoopbackHost(grpcHost(options.grpc));
  return { url: options.url, grpc: options.grpc, credential: local ? readStateDirToken(options.stateDir) : undefined };
}

/** The admin token only (--token, or the loopback daemon's state directory): what `palyra login` exchanges. */
export function adminTokenTarget(options: GlobalOptions): Target & { credential: Credential } {
  const local = isLoopbackHost(new URL(options.url).hostname) && isLoopbackHost(grpcHost(options.grpc));
  const credential = options.token ? { token: options.token, source: '--token' } : local ? readStateDirToken(options.stateDir) : undefined;
  if (!credential) {
    throw new CliError('login needs the admin token', {
      exitCode: EXIT_CODES.unauthenticated,
      hint: `pass --token (or set PALYRA_ADMIN_TOKEN), or point --state-dir at the daemon's state directory (looked in ${resolve(options.stateDir)})`,
    });
  }
  return { url: options.url, grpc: options.grpc, credential };
}

/** Like resolveTarget, but a missing credential is an error that says how to get one. */
export function requireTarget(options: GlobalOptions): Target & { credential: Credential } {
  const target = resolveTarget(options);
  if (!target.credential) {
    throw new CliError('no credentials for palyrad', {
      exitCode: EXIT_CODES.unauthenticated,
      hint: `run \`palyra login\`, pass --token (or set PALYRA_ADMIN_TOKEN), or point --state-dir at the daemon's state directory (looked in ${resolve(options.stateDir)})`,
    });
  }
  return target as Target & { credential: Credential };
}
