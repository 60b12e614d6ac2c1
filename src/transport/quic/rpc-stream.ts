// One node RPC call's byte stream, whatever carries it: a QUIC bidi stream or a TLS socket.
import type { Socket } from 'node:net';
import { CoreError, isCoreError } from '../../core/errors.js';

/** The dispatcher and the node's client see every carrier through this. */
export interface RpcStream {
  /** Bytes from the peer until it finishes its side. */
  chunks: AsyncIterable<Uint8Array>;
  /** Resolves once the bytes are handed to the carrier (back-pressure). Rejects once the stream is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Finishes our side gracefully (FIN / TLS end). */
  end(): Promise<void>;
  /** Drops the stream in both directions. */
  destroy(reason?: unknown): void;
}

/** Who is on the other end of a stream. */
export interface PeerInfo {
  /** The peer's IP address, without port. */
  address: string;
  /** The client certificate (leaf, DER) the connection presented, or null. */
  certificateDer: Uint8Array | null;
}

/**
 * The daemon's side of a call's carrier. A failed read or write means the peer reset the stream or
 * its connection went away: `cancelled`, the peer's doing, never an internal fault of ours (issue 10:
 * a node's normal shutdown was logged as an internal error with a stack trace).
 */
export function peerStream(stream: RpcStream): RpcStream {
  return {
    chunks: (async function* () {
      try {
        yield* stream.chunks;
      } catch (error) {
        throw carrierGone(error);
      }
    })(),
    write: (bytes) =>
      stream.write(bytes).catch((error: unknown) => {
        throw carrierGone(error);
      }),
    end: () => stream.end(),
    destroy: (reason) => stream.destroy(reason),
  };
}

function carrierGone(error: unknown): CoreError {
  return isCoreError(error) ? error : new CoreError('cancelled', 'the peer reset the stream or its connection closed', { cause: error });
}

/** A QUIC stream (web streams) as an RpcStream. */
export function webRpcStream(stream: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array>; cancel(reason?: unknown): void }): RpcStream {
  const writer = stream.writable.getWriter();
  // Rejections of the writer's own promises surface through write()/end(); these copies must not go unhandled.
  writer.closed.catch(() => undefined);
  return {
    chunks: (async function* () {
      const reader = stream.readable.getReader();
      try {
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (error) {
            // The library cancels a stream with no reason when its connection stops (shutdown, revocation,
            // the peer going away): that is the carrier ending, not a defect of ours.
            throw error instanceof Error ? error : new CoreError('cancelled', 'the stream was closed before the call finished');
          }
          if (chunk.done) return;
          yield chunk.value;
        }
      } finally {
        reader.releaseLock();
      }
    })(),
    write: (bytes) => writer.write(bytes),
    end: () => writer.close(),
    destroy: (reason) => {
      try {
        stream.cancel(reason ?? new Error('stream closed'));
      } catch {
        // Already closed: nothing left to cancel.
      }
    },
  };
}

/** A connected TLS (or plain) socket as an RpcStream: one call per connection. */
export function socketRpcStream(socket: Socket): RpcStream {
  return {
    // Leaving the loop early (a bad frame) must not destroy the socket before the error frame is written.
    chunks: socket.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed || socket.writableEnded) {
          reject(new Error('socket is closed'));
          return;
        }
        socket.write(bytes, (error) => (error ? reject(error) : resolve()));
      }),
    end: () =>
      new Promise<void>((resolve) => {
        if (socket.writableEnded) resolve();
        else socket.end(resolve);
      }),
    destroy: () => socket.destroy(),
  };
}
