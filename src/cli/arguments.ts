// Commander argument parsers shared by commands: durations (`30s`, `10m`, `1h`, `500ms`) and ULID ids.
import { InvalidArgumentError } from 'commander';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of `30s`, `10m`, `1h`, `500ms`, `2d`, or a bare number of seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[(match[2] ?? 's') as keyof typeof UNIT_MS] : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError('expected a positive duration such as 30s, 10m, 1h or 500ms');
  return Math.round(ms);
}

/** A parser accepting only a canonical ULID; `what` names the id in the error. */
export function ulidArgument(what: string): (value: string) => string {
  return (value) => {
    if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(value)) throw new InvalidArgumentError(`expected a ${what} (a 26-character ULID)`);
    return value;
  };
}
