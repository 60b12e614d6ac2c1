// createLogger: pino logs (JSON lines, or readable lines for a person at a terminal) with secrets censored, and one child logger per component.
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './config/schema.js';

export type { Logger } from 'pino';

const SECRET_NAMES = ['authorization', 'cookie', 'token', 'adminToken', 'apiKey', 'password', 'secret'];

// pino's `*` matches exactly one level, so each name is listed at the top and one and two levels down
// (`req.headers.authorization` is `*.*.authorization`); `set-cookie` needs the bracket syntax.
const REDACT_PATHS = [...SECRET_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]), '*.headers["set-cookie"]'];

const REDACTED = '<redacted>';

export interface LoggerOptions {
  level: LogLevel;
  /** `auto` is `pretty` when stdout is a terminal, `json` otherwise. */
  format?: LogFormat;
  /** Where JSON lines go; stdout when omitted. */
  destination?: DestinationStream;
}

/** The format `auto` stands for on this process: readable lines only for a person at a terminal. */
export function effectiveLogFormat(format: LogFormat, stdoutIsTty = process.stdout.isTTY === true): 'json' | 'pretty' {
  return format === 'auto' ? (stdoutIsTty ? 'pretty' : 'json') : format;
}

// Loaded only when a terminal shows the logs, so a supervised daemon never pays for it.
function prettyStdout(): DestinationStream {
  const build = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty').build;
  // colorette inside pino-pretty already leaves colour out with NO_COLOR or a dumb terminal.
  return build({ sync: true, singleLine: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' });
}

/**
 * The daemon's root logger: one JSON object per line (or a readable line, see `format`), secret fields (authorization and cookie
 * headers, `token`, `adminToken`, `apiKey`, `password`, `secret` up to two levels deep) written
 * as `<redacted>`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  if (options.destination) return pino(settings, options.destination);
  return effectiveLogFormat(options.format ?? 'json') === 'pretty' ? pino(settings, prettyStdout()) : pino(settings);
}

/** A child logger whose lines carry `component` (`http`, `grpc`, `runs`, `store`, …). */
export function componentLogger(logger: Logger, component: string): Logger {
  return logger.child({ component });
}
