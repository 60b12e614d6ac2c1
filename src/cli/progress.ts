// Progress for a person waiting: an ora spinner on a terminal; one plain line when stderr is a pipe or a file; nothing with --json.
import type { Writable } from 'node:stream';

export interface Progress {
  /** Replaces the waiting text. */
  update(text: string): void;
  /** Ends the wait with a success line. */
  succeed(text: string): void;
  /** Ends the wait without a line of its own (the error report that follows says why). */
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, succeed: () => undefined, stop: () => undefined };

/**
 * Starts showing `text` while something is awaited. ora is loaded only for a terminal, so a piped or
 * scripted command never pays for it; colour follows the same rule as the rest of the CLI (NO_COLOR).
 */
export async function startProgress(text: string, options: { json: boolean; stderr?: Writable }): Promise<Progress> {
  if (options.json) return SILENT;
  const stderr = (options.stderr ?? process.stderr) as NodeJS.WriteStream;
  // A terminal that reports no width (some pseudo-terminals) gets plain lines: a spinner cannot redraw there.
  if (!stderr.isTTY || !stderr.columns) {
    stderr.write(`${text}\n`);
    return { update: (next) => void stderr.write(`${next}\n`), succeed: (done) => void stderr.write(`${done}\n`), stop: () => undefined };
  }
  const { default: ora } = await import('ora');
  const colour = process.env.NO_COLOR === undefined || process.env.NO_COLOR === '';
  // discardStdin off: Ctrl-C must stay SIGINT, which the commands handle.
  const spinner = ora({ text, stream: stderr, discardStdin: false, color: colour ? 'cyan' : false }).start();
  return {
    update: (next) => void (spinner.text = next),
    succeed: (done) => void (colour ? spinner.succeed(done) : spinner.stopAndPersist({ symbol: '✔', text: done })),
    stop: () => void spinner.stop(),
  };
}
