// Lines of stdin for `run` and `chat`, one at a time: a prompt and line editing on a terminal, plain lines from a pipe.
import { createInterface, type Interface } from 'node:readline';

export interface LineSource {
  /** The next line, or null at end of input (Ctrl-D, a closed pipe, or close()). `prompt` shows on a terminal, or always with `always`. */
  next(prompt: string, options?: { always?: boolean }): Promise<string | null>;
  /** Ctrl-C: on a terminal readline sees it as a key; from a pipe it arrives as SIGINT. Either calls `handler`. */
  onInterrupt(handler: () => void): void;
  close(): void;
}

/**
 * `interactive` asks for a terminal line editor when stdin is a TTY (chat); otherwise lines are read plainly.
 * Stdin is opened on the first `next()`, not before: a `palyra run` that never asks leaves its input
 * unread for whatever comes next (the rest of a script, a `while read` loop).
 */
export function createLineSource(options: { interactive: boolean }): LineSource {
  const terminal = options.interactive && process.stdin.isTTY === true;
  const lines: string[] = [];
  let rl: Interface | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  let interruptHandler: (() => void) | undefined;
  const onSigint = () => interruptHandler?.();
  const open = (): Interface => {
    if (rl) return rl;
    const opened = createInterface({ input: process.stdin, ...(terminal ? { output: process.stdout, terminal: true } : { terminal: false }) });
    opened.on('line', (line) => {
      lines.push(line);
      wake?.();
    });
    opened.on('close', () => {
      ended = true;
      wake?.();
    });
    // On a terminal readline takes Ctrl-C as a key (raw mode), so it reports it instead of the process.
    if (terminal) opened.on('SIGINT', onSigint);
    rl = opened;
    return opened;
  };
  return {
    async next(prompt, nextOptions = {}) {
      if (ended) return lines.shift() ?? null;
      const input = open();
      if (lines.length === 0 && prompt) {
        if (terminal) {
          input.setPrompt(prompt);
          input.prompt();
        } else if (nextOptions.always) {
          process.stderr.write(prompt);
        }
      }
      for (;;) {
        const line = lines.shift();
        if (line !== undefined) return line;
        if (ended) return null;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    onInterrupt(handler) {
      interruptHandler = handler;
      if (!terminal) process.on('SIGINT', onSigint);
    },
    close() {
      process.off('SIGINT', onSigint);
      ended = true;
      wake?.();
      if (rl) {
        rl.close();
        process.stdin.destroy();
      }
    },
  };
}
