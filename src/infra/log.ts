// createLogger: pino JSON logs with secrets censored, and one child logger per component.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/schema.js';

export type { Logger } from 'pino';

const SECRET_NAMES = ['authorization', 'cookie', 'token', 'adminToken', 'apiKey', 'password', 'secret'];

// pino's `*` matches exactly one level, so each name is listed at the top and one and two levels down
// (`req.headers.authorization` is `*.*.authorization`); `set-cookie` needs the bracket syntax.
const REDACT_PATHS = [...SECRET_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]), '*.headers["set-cookie"]'];

const REDACTED = '<redacted>';

export interface LoggerOptions {
  level: LogLevel;
  /** Where JSON lines go; stdout when omitted. */
  destination?: DestinationStream;
}

/**
 * The daemon's root logger: one JSON object per line, secret fields (authorization and cookie
 * headers, `token`, `adminToken`, `apiKey`, `password`, `secret` up to two levels deep) written
 * as `<redacted>`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A child logger whose lines carry `component` (`http`, `grpc`, `runs`, `store`, …). */
export function componentLogger(logger: Logger, component: string): Logger {
  return logger.child({ component });
}
