// Colour for human output: only on a terminal, never with NO_COLOR (node's styleText checks the stream and the environment).
import type { Writable } from 'node:stream';
import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

/** `text` in `format` when `stream` is a colour-capable TTY and NO_COLOR is unset; otherwise `text` unchanged. */
export function paint(stream: Writable, format: Format, text: string): string {
  return styleText(format, text, { stream: stream as NodeJS.WriteStream, validateStream: true });
}

/** A duration for people: 850ms, 4.2s, 3m05s, 2h10m. */
export function humanDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1_000);
  if (totalSeconds < 3_600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(totalSeconds / 3_600)}h${String(Math.floor((totalSeconds % 3_600) / 60)).padStart(2, '0')}m`;
}

/** How long ago `unixMs` was, relative to `nowMs`: `just now`, `42s ago`, `3m ago`, `5h ago`, `2d ago`. */
export function humanAgo(unixMs: number, nowMs = Date.now()): string {
  const seconds = Math.max(0, Math.round((nowMs - unixMs) / 1_000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
