// Requests Node's HTTP/1.1 parser refuses before Fastify sees them (malformed, headers too large, too slow): same envelope, same headers.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { CoreError } from '../../core/errors.js';
import { http } from '../../core/net/node-http.js';
import { errorEnvelope, statusOf } from './errors.js';

/** The parser's error as a CoreError; the message names no part of the request. */
function parserRefusal(error: NodeJS.ErrnoException): CoreError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new CoreError('deadline_exceeded', 'the request did not arrive completely within request_timeout_ms', { details: { status: 408 } });
    case 'HPE_HEADER_OVERFLOW':
      return new CoreError('out_of_range', 'the request headers are too large', { details: { status: 431 } });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new CoreError('out_of_range', 'the chunk extensions are too large');
    default:
      return new CoreError('invalid_argument', 'malformed HTTP/1.1 request');
  }
}

/**
 * Fastify's `clientErrorHandler`: there is no request or response object yet, so the answer is written
 * to the socket as it goes on the wire, and the connection is closed (the parser cannot resync).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, headers: Readonly<Record<string, string>>): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = parserRefusal(error);
  const status = statusOf(refusal);
  const body = JSON.stringify(errorEnvelope(refusal, randomUUID()));
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  socket.destroy();
}
