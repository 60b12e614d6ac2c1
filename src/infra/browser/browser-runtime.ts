// The daemon's browser service: decides whether it is on, runs or reaches palyra-browserd, and is the core's BrowserPort.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BrowserCallOptions, BrowserMessage, BrowserMethod, BrowserPort, BrowserStatus } from '../../core/browser/browser-port.js';
import { CoreError } from '../../core/errors.js';
import type { PalyraConfig } from '../config/schema.js';
import { ensurePrivateDir, writePrivateFile } from '../crypto/private-files.js';
import { BrowserdClient } from './browserd-client.js';
import { BrowserdSupervisor } from './browserd-supervisor.js';
import { packagePath } from '../package-root.js';
import { findChromium } from './chromium.js';


/** The generated service token of an embedded browserd (mode 0600 in the state dir). */
export const BROWSERD_TOKEN_FILE = 'browserd-token';
const DEFAULT_EMBEDDED_LISTEN = '127.0.0.1:0';
const BIN_PATH = packagePath('dist', 'bin', 'palyra-browserd.js');

export interface BrowserRuntime extends BrowserPort {
  /** Starts the embedded child (returns at once; readiness shows in `status()`). */
  start(): void;
  stop(): Promise<void>;
  /** The embedded child's pid, while one runs. */
  childPid(): number | undefined;
}

/**
 * The browser service as configured: `enabled` unset means on when a Chromium is found. Embedded, the
 * daemon supervises a child on `endpoint` (default an ephemeral loopback port) with a generated token;
 * otherwise it calls the browserd at `endpoint`. Every call goes over one channel per endpoint.
 */
export function createBrowserRuntime(config: PalyraConfig, logger: Logger): BrowserRuntime {
  const browser = config.browser;
  const chromium = findChromium(browser.chromiumPath);
  const enabled = browser.enabled ?? chromium.path !== null;
  const reason =
    browser.enabled === false ? 'off: browser.enabled = false'
    : browser.enabled === true ? 'on: browser.enabled = true'
    : chromium.path !== null ? `on: ${chromium.reason}`
    : `off: ${chromium.reason}`;
  const status: BrowserStatus = {
    enabled,
    state: enabled ? 'starting' : 'disabled',
    reason,
    embedded: browser.embedded,
    endpoint: browser.embedded ? null : (browser.endpoint ?? null),
    chromium: chromium.path,
    restarts: 0,
    lastError: null,
    generation: 0,
  };
  let client: BrowserdClient | undefined;
  let supervisor: BrowserdSupervisor | undefined;
  const stateText = () => `${status.state}${status.lastError ? `: ${status.lastError}` : ''}`;
  const connect = (endpoint: string, token: string) => {
    client?.close();
    client = new BrowserdClient(endpoint, token, stateText);
    status.endpoint = endpoint;
    status.generation += 1;
  };

  if (enabled && !browser.embedded) {
    if (browser.endpoint === undefined || browser.token === undefined) {
      status.state = 'down';
      status.lastError = 'browser.embedded = false needs browser.endpoint and browser.token';
    } else {
      connect(browser.endpoint, browser.token);
      status.state = 'up';
    }
  }

  return {
    start() {
      if (!enabled || !browser.embedded || supervisor) return;
      if (chromium.path === null) {
        status.state = 'down';
        status.lastError = chromium.reason;
        return;
      }
      const token = browser.token ?? loadOrCreateBrowserdToken(config.stateDir);
      const downloadsDir = join(config.stateDir, 'browser-downloads');
      ensurePrivateDir(downloadsDir);
      supervisor = new BrowserdSupervisor(
        { binPath: BIN_PATH, grpcListen: browser.endpoint ?? DEFAULT_EMBEDDED_LISTEN, chromiumPath: chromium.path, token, allowPrivateHosts: browser.allowPrivateHosts, downloadsDir, logger },
        {
          onReady(ready) {
            connect(ready.grpc, token);
            status.state = 'up';
            logger.info({ endpoint: ready.grpc, chromium: ready.chromium, version: ready.version }, 'browser service ready');
          },
          onDown(why) {
            status.state = 'restarting';
            status.lastError = why;
            status.restarts = supervisor?.restarts ?? status.restarts + 1;
          },
        },
      );
      supervisor.start();
    },
    async stop() {
      await supervisor?.stop();
      client?.close();
      client = undefined;
    },
    childPid: () => supervisor?.pid,
    status: () => ({ ...status }),
    call(method: BrowserMethod, request: BrowserMessage, options: BrowserCallOptions) {
      if (!enabled) return Promise.reject(new CoreError('failed_precondition', `the browser service is ${reason}`));
      if (client === undefined || status.state !== 'up') return Promise.reject(new CoreError('unavailable', `browser service unavailable (${stateText()})`));
      return client.call(method, request, options);
    },
  };
}

/** The embedded service token: read from the state dir, or generated there (32 random bytes, mode 0600). */
function loadOrCreateBrowserdToken(stateDir: string): string {
  const path = join(stateDir, BROWSERD_TOKEN_FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  writePrivateFile(path, `${token}\n`);
  return token;
}
