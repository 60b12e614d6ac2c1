// Lines of stdin for `run` and `chat`, one at a time: a prompt and line editing on a terminal, plain lines from a pipe.
import { createInterface } from 'node:readline';

export interface LineSource {
  /** The next line, or null at end of input (Ctrl-D, a closed pipe, or close()). `prompt` shows on a terminal, or always with `always`. */
  next(prompt: string, options?: { always?: boolean }): Promise<string | null>;
  /** Ctrl-C: on a terminal readline sees it as a key; from a pipe it arrives as SIGINT. Either calls `handler`. */
  onInterrupt(handler: () => void): void;
  close(): void;
}

/** `interactive` asks for a terminal line editor when stdin is a TTY (chat); otherwise lines are read plainly. */
export function createLineSource(options: { interactive: boolean }): LineSource {
  const terminal = options.interactive && process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, ...(terminal ? { output: process.stdout, terminal: true } : { terminal: false }) });
  const lines: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let interruptHandler: (() => void) | undefined;
  const onSigint = () => interruptHandler?.();
  rl.on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });
  return {
    async next(prompt, nextOptions = {}) {
      if (lines.length === 0 && !ended && prompt) {
        if (terminal) {
          rl.setPrompt(prompt);
          rl.prompt();
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
      if (terminal) rl.on('SIGINT', onSigint);
      else process.on('SIGINT', onSigint);
    },
    close() {
      if (!terminal) process.off('SIGINT', onSigint);
      if (!ended) rl.close();
      process.stdin.destroy();
    },
  };
}
