// grpc-js writes its own diagnostics to stderr ("E No address added …"); the daemon routes them into its structured log instead.
import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';

/**
 * Sends grpc-js's log lines to `logger` at debug level: what they report (a failed bind, a reset
 * stream) also reaches us as an error or status we handle and log with context, so the raw text
 * is only useful when debugging. grpc-js has one process-wide logger; the last server created wins.
 */
export function routeLibraryLogs(logger: Logger): void {
  const write = (...args: unknown[]) => logger.debug({ source: 'grpc-js' }, format(...args));
  grpc.setLogger({ error: write, info: write, debug: write });
}
