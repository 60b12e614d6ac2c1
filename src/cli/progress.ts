// Progress for a person waiting: an ora spinner on a terminal; one plain line when stderr is a pipe or a file; nothing with --json.
import type { Writable } from 'node:stream';

export interface Progress {
  /** Ends the wait; the command's result or error report that follows says how it ended. */
  stop(): void;
}

const SILENT: Progress = { stop: () => undefined };

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
    return SILENT;
  }
  const { default: ora } = await import('ora');
  const colour = process.env.NO_COLOR === undefined || process.env.NO_COLOR === '';
  // isEnabled: the terminal rule above decides, not ora's own (which also turns spinners off whenever CI is set).
  // discardStdin off: Ctrl-C must stay SIGINT, which the commands handle.
  const spinner = ora({ text, stream: stderr, isEnabled: true, discardStdin: false, color: colour ? 'cyan' : false }).start();
  return { stop: () => void spinner.stop() };
}
