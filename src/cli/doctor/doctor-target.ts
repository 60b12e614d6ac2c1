// What `palyra doctor` examines: the daemon config resolved as palyrad resolves it, and the addresses to dial.
import { isIPv6 } from 'node:net';
import { isWildcardHost } from '../../core/host-names.js';
import { loadConfig } from '../../infra/config/load-config.js';
import type { PalyraConfig } from '../../infra/config/schema.js';
import type { GlobalOptions } from '../global-options.js';
import { check, errorText, type CheckResult } from './check.js';

export interface DoctorTarget {
  config: PalyraConfig;
  /** The admin HTTP base URL: --url / PALYRA_URL when given, else the configured listener. */
  url: string;
  /** `host:port` of the gRPC gateway: --grpc / PALYRA_GRPC when given, else the configured listener. */
  grpc: string;
  /** Where the QUIC node listener answers (a wildcard bind is dialled on loopback). */
  quic: { host: string; port: number };
}

/** A bind address as a dialable one: `0.0.0.0` → 127.0.0.1, `::` → ::1. */
function dialHost(host: string): string {
  if (!isWildcardHost(host)) return host;
  return host === '0.0.0.0' ? '127.0.0.1' : '::1';
}

function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Loads the config exactly as palyrad would from here (the --state-dir given to palyra, PALYRA_* variables,
 * palyra.toml in the state dir or the working directory). A config palyrad would refuse is a failed check.
 */
export function resolveDoctorTarget(globals: GlobalOptions, stateDirGiven: boolean): { target?: DoctorTarget; result: CheckResult } {
  let config: PalyraConfig;
  try {
    config = loadConfig({ flags: stateDirGiven ? { stateDir: globals.stateDir } : {}, env: process.env, cwd: process.cwd() });
  } catch (error) {
    const hint = (error as { details?: { hint?: unknown } }).details?.hint;
    return { result: check('config', 'fail', `palyrad would refuse this config: ${errorText(error)}`, typeof hint === 'string' ? hint : 'fix palyra.toml or the PALYRA_* variables') };
  }
  const scheme = config.tls.certPath && config.tls.keyPath ? 'https' : 'http';
  const target: DoctorTarget = {
    config,
    url: globals.urlGiven ? globals.url : `${scheme}://${hostPort(dialHost(config.http.host), config.http.port)}`,
    grpc: globals.grpcGiven ? globals.grpc : hostPort(dialHost(config.grpc.host), config.grpc.port),
    quic: { host: dialHost(config.quic.host), port: config.quic.port },
  };
  return { target, result: check('config', 'ok', `state dir ${config.stateDir}; http ${config.http.port}, grpc ${config.grpc.port}, quic ${config.quic.port}`) };
}
