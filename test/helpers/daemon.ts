// Starts the real palyrad (the built dist/ binary) on ephemeral loopback ports and waits for its ready file.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DAEMON_BIN = resolve('dist/bin/palyrad.js');
export const CLI_BIN = resolve('dist/bin/palyra.js');

export interface ReadyFile {
  http: string;
  grpc: string;
  quic: string | null;
  pid: number;
  state_dir: string;
}

export interface TestDaemon {
  ready: ReadyFile;
  stateDir: string;
  adminToken: string;
  process: ChildProcess;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  /** `fetch` against the admin API with the admin token. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** Sends `signal` and waits for the exit; returns the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  stateDir?: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function makeStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'palyra-test-'));
}

/** Spawns palyrad and resolves once its ready file exists; rejects with its output if it exits first. */
export async function startDaemon(options: StartOptions = {}): Promise<TestDaemon> {
  if (!existsSync(DAEMON_BIN)) throw new Error(`${DAEMON_BIN} is missing: run "npm run build" first`);
  const stateDir = options.stateDir ?? makeStateDir();
  const readyFile = join(stateDir, `ready-${process.pid}-${Date.now()}.json`);
  const child = spawn(
    process.execPath,
    [DAEMON_BIN, '--state-dir', stateDir, '--http-port', '0', '--grpc-port', '0', '--quic-port', '0', '--ready-file', readyFile, ...(options.args ?? [])],
    // The browser service (a Chromium per daemon) is off unless a test turns it on.
    { env: { ...process.env, PALYRA_ADMIN_TOKEN: '', PALYRA_LOG_LEVEL: 'warn', PALYRA_BROWSER_ENABLED: 'false', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal ?? -1)));
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`palyrad exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`palyrad was not ready in time:\n${output}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
  const ready = JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyFile;
  const adminToken = options.env?.PALYRA_ADMIN_TOKEN || readFileSync(join(stateDir, 'admin-token'), 'utf8').trim();
  return {
    ready,
    stateDir,
    adminToken,
    process: child,
    output: () => output,
    admin: (path, init = {}) =>
      fetch(`${ready.http}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${adminToken}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
      }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export function removeStateDir(stateDir: string): void {
  rmSync(stateDir, { recursive: true, force: true });
}
