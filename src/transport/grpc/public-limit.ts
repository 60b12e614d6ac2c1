// The small receive limit of calls that need no credentials (GetHealth, grpc.health.v1, reflection), enforced before a big message is read.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http2 from 'node:http2';
import { CoreError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { HandlerDeps } from './handler.js';
import { routeOf } from './handler.js';
import { toCallStatus } from './errors.js';
import { PUBLIC_MAX_MESSAGE_BYTES } from './limits.js';
import { GATEWAY_SOCKET } from './listener.js';

// Node publishes every new HTTP/2 server stream here, before the server's 'stream' event reaches grpc-js.
const STREAM_CREATED = 'http2.server.stream.created';

/**
 * Whether this runtime publishes STREAM_CREATED: Node 24 does; Node 22 (22.23.5) does not, and there the
 * calls without credentials keep only the server-wide 4 MiB limit (the daemon logs it at start).
 */
export const PUBLIC_LIMIT_ENFORCED = Number(process.versions.node.split('.')[0]) >= 24;

interface StreamCreated {
  stream: http2.ServerHttp2Stream;
  headers: http2.IncomingHttpHeaders;
}

/**
 * Watches the request messages of every gateway stream on one of `paths` and refuses the call
 * (RESOURCE_EXHAUSTED) as soon as a length prefix announces more than PUBLIC_MAX_MESSAGE_BYTES.
 * grpc-js has one receive limit per server, and would otherwise buffer up to 8 MiB for a caller that
 * presented no credential at all. Returns the unsubscribe.
 */
export function limitPublicCalls(deps: HandlerDeps, paths: ReadonlySet<string>): () => void {
  const onStream = (message: unknown) => {
    const { stream, headers } = message as StreamCreated;
    const path = headers[':path'];
    if (typeof path !== 'string' || !paths.has(path)) return;
    // The session's socket is a proxy that forwards property reads to the socket the listener marked.
    if (stream.session?.socket && Reflect.get(stream.session.socket, GATEWAY_SOCKET) === true) watchMessages(deps, stream, path);
  };
  subscribe(STREAM_CREATED, onStream);
  return () => unsubscribe(STREAM_CREATED, onStream);
}

/**
 * Reads the 5-byte prefixes (flag, big-endian length) of the stream's messages alongside grpc-js. The
 * stream is paused first, so nothing flows before grpc-js asks for it; this listener, added before
 * grpc-js's, sees each chunk first.
 */
function watchMessages(deps: HandlerDeps, stream: http2.ServerHttp2Stream, path: string): void {
  const startedMs = performance.now();
  let prefix = Buffer.alloc(0);
  let bodyLeft = 0;
  stream.pause();
  const onData = (chunk: Buffer) => {
    for (let offset = 0; offset < chunk.length; ) {
      if (bodyLeft > 0) {
        const skipped = Math.min(bodyLeft, chunk.length - offset);
        bodyLeft -= skipped;
        offset += skipped;
        continue;
      }
      const taken = Math.min(5 - prefix.length, chunk.length - offset);
      prefix = Buffer.concat([prefix, chunk.subarray(offset, offset + taken)]);
      offset += taken;
      if (prefix.length < 5) return;
      bodyLeft = prefix.readUInt32BE(1);
      prefix = Buffer.alloc(0);
      if (bodyLeft > PUBLIC_MAX_MESSAGE_BYTES) {
        stream.off('data', onData);
        return refuse(deps, stream, path, bodyLeft, startedMs);
      }
    }
  };
  stream.on('data', onData);
}

function refuse(deps: HandlerDeps, stream: http2.ServerHttp2Stream, path: string, bytes: number, startedMs: number): void {
  const error = new CoreError('resource_exhausted', `message of ${bytes} bytes exceeds the ${PUBLIC_MAX_MESSAGE_BYTES}-byte limit of calls without credentials`, {
    details: { limitBytes: PUBLIC_MAX_MESSAGE_BYTES },
  });
  const status = toCallStatus(error, newId(), deps.logger);
  deps.core.metrics.recordRequest('grpc', routeOf(path), 'RESOURCE_EXHAUSTED', (performance.now() - startedMs) / 1000);
  if (stream.headersSent) {
    // A stream that already answered (reflection) cannot take a trailers-only status; gRPC maps this code to RESOURCE_EXHAUSTED.
    stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    return;
  }
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-status': status.code, 'grpc-message': encodeURI(status.details), ...status.metadata.toHttp2Headers() },
    { endStream: true },
  );
  // RST_STREAM NO_ERROR: the answer is complete, stop sending the rest of the request (RFC 9113 §8.1).
  stream.close(http2.constants.NGHTTP2_NO_ERROR);
}
