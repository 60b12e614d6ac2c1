// Which credential a `palyra` command presents: --token / PALYRA_ADMIN_TOKEN, else the stored login, else
// (for a daemon on loopback only) the admin token palyrad keeps in its state directory.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isLoopbackHost } from '../core/host-names.js';
import { ADMIN_TOKEN_FILE } from '../infra/state-files.js';
import type { GlobalOptions } from './global-options.js';
import { CliError, EXIT_CODES } from './output.js';
import { loadSession } from './session-file.js';

export interface Credential {
  /** The bearer token. */
  token: string;
  /** Session tokens are bound to the device that logged in; it is sent with every call. */
  deviceId?: string;
}

/** The daemon addresses a command talks to, after a stored login has filled in the ones not given. */
export interface Target {
  url: string;
  grpc: string;
  credential: Credential | undefined;
}

/** Both daemon addresses are loopback: only then may a local state directory's admin token be sent. */
function isLocalTarget(options: GlobalOptions): boolean {
  const unbracket = (host: string) => host.replace(/^\[|\]$/g, '');
  const grpcHost = options.grpc.slice(0, options.grpc.lastIndexOf(':'));
  return isLoopbackHost(unbracket(new URL(options.url).hostname)) && isLoopbackHost(unbracket(grpcHost));
}

function readStateDirToken(stateDir: string): Credential | undefined {
  const path = join(resolve(stateDir), ADMIN_TOKEN_FILE);
  try {
    const token = readFileSync(path, 'utf8').trim();
    return token ? { token } : undefined;
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
  if (options.token) return { url: options.url, grpc: options.grpc, credential: { token: options.token } };
  const session = loadSession();
  if (session && (!options.urlGiven || session.url === options.url) && (!options.grpcGiven || session.grpc === options.grpc)) {
    return { url: session.url, grpc: session.grpc, credential: { token: session.token, deviceId: session.device_id } };
  }
  return { url: options.url, grpc: options.grpc, credential: isLocalTarget(options) ? readStateDirToken(options.stateDir) : undefined };
}

/** The admin token only (--token, or the loopback daemon's state directory): what `palyra login` exchanges. */
export function adminTokenTarget(options: GlobalOptions): Target & { credential: Credential } {
  const credential = options.token ? { token: options.token } : isLocalTarget(options) ? readStateDirToken(options.stateDir) : undefined;
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
