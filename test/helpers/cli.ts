// Runs the built `palyra` as a process with a clean environment: no inherited PALYRA_* variables and its own config home.
import { spawn } from 'node:child_process';
import { CLI_BIN } from './daemon.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the environment (after PALYRA_* are removed); set XDG_CONFIG_HOME to isolate stored logins. */
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** This process's environment without PALYRA_* variables, so a test's settings are only the ones it passes. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));
}

/** Spawns `palyra args…` on the Node running the tests; resolves when it exits (killed after timeoutMs). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const inherited = cleanEnv();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: { ...inherited, ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
