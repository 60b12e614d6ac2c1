// Runs a command on a pseudo-terminal (util-linux `script`), so a test can type keys and read the screen as a person would.
import { type ChildProcess, spawn } from 'node:child_process';

export interface PtySession {
  /** Everything the program wrote to the terminal so far, with ANSI escapes removed. */
  screen(): string;
  /** Types `text` (use '\r' for Enter, '\x03' for Ctrl-C, '\x04' for Ctrl-D). */
  type(text: string): void;
  /** Resolves once the screen, from `fromIndex` on, matches `pattern`; rejects with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp, options?: { fromIndex?: number; timeoutMs?: number }): Promise<void>;
  /** Resolves with the program's exit code. */
  exited(): Promise<number | null>;
  process: ChildProcess;
}

// CSI sequences (colours, cursor moves) and carriage returns: what a terminal interprets rather than shows.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Starts `argv` in a pty; `env` is the program's whole environment. Killed after `timeoutMs`. */
export function startPty(argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): PtySession {
  // A size, as a real terminal has: `script` alone leaves the pty at 0 columns.
  const command = `stty cols 120 rows 40 && exec ${argv.map(shellQuote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    env: { ...env, TERM: 'xterm-256color' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  const listeners = new Set<() => void>();
  const onOutput = (chunk: Buffer) => {
    raw += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  const screen = () => raw.replace(ANSI, '');
  return {
    process: child,
    screen,
    type: (text) => void child.stdin?.write(text),
    exited: () => exit,
    waitFor(pattern, options = {}) {
      const from = options.fromIndex ?? 0;
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(screen().slice(from))) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in:\n${screen().slice(from)}`));
        }, options.timeoutMs ?? 10_000);
        listeners.add(check);
        check();
      });
    },
  };
}
