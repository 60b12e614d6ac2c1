// BrowserdSupervisor: runs palyra-browserd as a child, waits for its ready line, restarts it with backoff when it dies.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { backoffDelayMs, type BackoffOptions } from '../../cli/node-host/backoff.js';

export interface BrowserdChildOptions {
  /** The compiled bin (dist/bin/palyra-browserd.js), run with this same Node. */
  binPath: string;
  grpcListen: string;
  chromiumPath: string;
  token: string;
  allowPrivateHosts: readonly string[];
  downloadsDir: string;
  logger: Logger;
  readyTimeoutMs?: number;
  backoff?: BackoffOptions;
}

export interface BrowserdReady {
  grpc: string;
  health: string;
  chromium: string;
  version: string;
}

export type SupervisorState = 'starting' | 'up' | 'restarting' | 'stopped';

export interface SupervisorEvents {
  onReady(ready: BrowserdReady): void;
  onDown(reason: string): void;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 2_500;
const RESTART_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 15_000 };
// Secrets of the daemon the child has no use for.
const WITHHELD_ENV = ['PALYRA_ADMIN_TOKEN', 'PALYRA_MODEL_API_KEY'];

/**
 * Keeps one palyra-browserd alive. The service token goes through the environment, never argv. A child
 * that exits, or is not ready within the timeout, is reported down and started again after a backoff
 * delay (reset once a child becomes ready). `stop()` sends SIGTERM and SIGKILLs after 2.5 s.
 */
export class BrowserdSupervisor {
  state: SupervisorState = 'starting';
  restarts = 0;
  lastError: string | null = null;
  readonly #options: BrowserdChildOptions;
  readonly #events: SupervisorEvents;
  #child: ChildProcess | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(options: BrowserdChildOptions, events: SupervisorEvents) {
    this.#options = options;
    this.#events = events;
  }

  /** The child's pid while one runs (tests kill it to prove the restart). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    const options = this.#options;
    const env: NodeJS.ProcessEnv = { ...process.env, PALYRA_BROWSERD_TOKEN: options.token };
    for (const name of WITHHELD_ENV) delete env[name];
    const args = [options.binPath, '--grpc-listen', options.grpcListen, '--health-listen', '127.0.0.1:0', '--chromium', options.chromiumPath, '--downloads-dir', options.downloadsDir];
    if (options.allowPrivateHosts.length > 0) args.push('--allow-private-hosts', options.allowPrivateHosts.join(','));
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    let lastLog = '';
    let ready = false;
    const readyTimer = setTimeout(() => {
      lastLog = `not ready within ${options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS} ms`;
      child.kill('SIGKILL');
    }, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = parseJson(line);
      if (ready || event?.['event'] !== 'ready' || typeof event['grpc'] !== 'string') return;
      ready = true;
      clearTimeout(readyTimer);
      this.#attempt = 0;
      this.state = 'up';
      this.#events.onReady({ grpc: event['grpc'], health: String(event['health'] ?? ''), chromium: String(event['chromium'] ?? ''), version: String(event['version'] ?? '') });
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const entry = parseJson(line);
      const message = typeof entry?.['msg'] === 'string' ? entry['msg'] : line;
      if (typeof entry?.['level'] === 'number' && entry['level'] >= 50) lastLog = message;
      options.logger.debug({ browserd: entry ?? line }, 'browserd log');
    });
    child.once('error', (error) => {
      lastLog = error.message;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(readyTimer);
      this.#child = undefined;
      if (this.#stopping) return;
      this.lastError = `palyra-browserd exited (${signal ?? `code ${code}`})${lastLog ? `: ${lastLog}` : ''}`;
      this.state = 'restarting';
      this.restarts += 1;
      const delayMs = backoffDelayMs(this.#attempt, options.backoff ?? RESTART_BACKOFF);
      this.#attempt += 1;
      options.logger.warn({ reason: this.lastError, restart_in_ms: delayMs }, 'browser service down; restarting');
      this.#events.onDown(this.lastError);
      this.#timer = setTimeout(() => this.start(), delayMs);
    });
  }

  /** Ends supervision; resolves once the child has exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.state = 'stopped';
    clearTimeout(this.#timer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(force);
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
