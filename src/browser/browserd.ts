// palyra-browserd's wiring: the engine, the gRPC service and the /healthz listener, and their orderly close.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { hashSecret } from '../core/auth/secrets.js';
import { CoreError } from '../core/errors.js';
import { isLoopbackHost } from '../core/host-names.js';
import { BrowserServiceService } from '../gen/palyra/browser/v1/browser.js';
import { HARD_MESSAGE_BYTES, MAX_MESSAGE_BYTES, withRequestDecoding } from '../transport/grpc/limits.js';
import { BrowserEngine } from './engine/engine.js';
import type { EngineLimits } from './engine/limits.js';
import { browserService } from './grpc/service.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface BrowserdOptions {
  grpcListen: HostPort;
  healthListen: HostPort;
  /** undefined only with allowNoToken on a loopback gRPC listener. */
  token: string | undefined;
  allowNoToken: boolean;
  chromiumPath: string;
  allowedHosts: readonly string[];
  allowSessionPrivateTargets: boolean;
  downloadsDir: string;
  limits: EngineLimits;
  logger: Logger;
}

export interface RunningBrowserd {
  grpc: string;
  health: string;
  chromium: string;
  version: string;
  engine: BrowserEngine;
  close(): Promise<void>;
}

/** `host:port` with IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Starts the engine and both listeners. @throws `invalid_argument` when there is no token and either
 * the gRPC listener is not loopback or --allow-no-token was not given.
 */
export async function startBrowserd(options: BrowserdOptions): Promise<RunningBrowserd> {
  const { logger } = options;
  if (options.token === undefined) {
    if (!isLoopbackHost(options.grpcListen.host)) {
      throw new CoreError('invalid_argument', `a service token is required to listen on ${options.grpcListen.host} (set PALYRA_BROWSERD_TOKEN or --token-file)`);
    }
    if (!options.allowNoToken) {
      throw new CoreError('invalid_argument', 'no service token: set PALYRA_BROWSERD_TOKEN or --token-file, or pass --allow-no-token to serve loopback callers without one');
    }
  }
  const engine = await BrowserEngine.launch({
    chromiumPath: options.chromiumPath,
    limits: options.limits,
    access: {
      allowPrivateNetworks: false,
      allowedHosts: options.allowedHosts,
      settingNames: { allowedHosts: '--allow-private-hosts (the daemon\'s browser.allow_private_hosts)', allowPrivateNetworks: 'a session\'s allow_private_targets (--allow-session-private-targets)' },
    },
    allowSessionPrivateTargets: options.allowSessionPrivateTargets,
    downloadsDir: options.downloadsDir,
    logger: logger.child({ component: 'engine' }),
  });
  const server = new grpc.Server({ 'grpc.max_receive_message_length': HARD_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  const auth = { tokenHash: options.token === undefined ? undefined : hashSecret(options.token) };
  server.addService(withRequestDecoding(BrowserServiceService), browserService({ engine, auth, logger: logger.child({ component: 'grpc' }) }));
  const health = http.createServer((req, res) => {
    const ok = req.method === 'GET' && req.url === '/healthz';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { status: 'ok', sessions: engine.sessionCount, chromium: engine.version } : { error: 'not found' }));
  });
  try {
    const grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(formatHostPort(options.grpcListen.host, options.grpcListen.port), grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    await new Promise<void>((resolve, reject) => {
      health.once('error', reject);
      health.listen(options.healthListen.port, options.healthListen.host, () => resolve());
    });
    const healthPort = (health.address() as AddressInfo).port;
    return {
      grpc: formatHostPort(options.grpcListen.host, grpcPort),
      health: formatHostPort(options.healthListen.host, healthPort),
      chromium: options.chromiumPath,
      version: engine.version,
      engine,
      async close() {
        health.close();
        health.closeAllConnections();
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        await engine.close();
      },
    };
  } catch (error) {
    server.forceShutdown();
    health.close();
    await engine.close();
    throw new CoreError('unavailable', `cannot listen: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
