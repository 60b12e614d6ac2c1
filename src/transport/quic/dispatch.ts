// The node RPC dispatcher: one stream = one call; reads the request frame, applies the method's certificate rule, calls the core, answers.
import type { Logger } from 'pino';
import type { CallContext } from '../../core/context.js';
import { CoreError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { authenticatePeer } from './auth.js';
import { FrameError, MAX_FRAME_BYTES, PROTOCOL_VERSION, readFrames } from './codec.js';
import { toErrorFrame, unsupportedMethod } from './errors.js';
import { FrameWriter } from './frame-writer.js';
import { type NodeRpcCore, OPEN_TASK_CHANNEL, UNARY_METHODS } from './methods.js';
import type { PeerInfo, RpcStream } from './rpc-stream.js';
import { serveTaskChannel } from './task-channel.js';

export interface DispatcherOptions {
  core: NodeRpcCore;
  logger: Logger;
  maxFrameBytes?: number;
  /** How long a peer may take to send its request frame. Default 10 s. */
  requestTimeoutMs?: number;
}

/** Serves one stream to its end; never throws (every failure becomes an error frame, then the stream closes). */
export type StreamHandler = (stream: RpcStream, peer: PeerInfo) => Promise<void>;

export function createDispatcher(options: DispatcherOptions): StreamHandler {
  const { core, logger } = options;
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;

  return async (stream, peer) => {
    const requestId = newId();
    const abort = new AbortController();
    const writer = new FrameWriter(stream, maxFrameBytes);
    const frames = readFrames(stream.chunks, maxFrameBytes);
    let failed = false;
    const fail = async (error: unknown) => {
      if (failed) return;
      failed = true;
      await writer.send({ kind: 'error', error: toErrorFrame(error, requestId, logger) }).catch(() => undefined);
      await writer.end();
      // Stops reading too: whatever the peer sends after an error is not ours to parse.
      setTimeout(() => stream.destroy(), 1_000).unref();
    };
    try {
      const first = await withTimeout(frames.next(), requestTimeoutMs);
      if (first.done) return;
      if (first.value.kind !== 'request') throw new FrameError('malformed_frame', 'a call must open with a request frame');
      const { method, payload } = first.value;
      const ctxFor = (needsCertificate: boolean): CallContext | null =>
        needsCertificate ? authenticatePeer(core.devices, peer, { signal: abort.signal, requestId }) : null;
      if (method === OPEN_TASK_CHANNEL) {
        const ctx = ctxFor(true) as CallContext;
        await serveTaskChannel({ core, ctx, peer, firstPayload: payload, frames, writer, fail: (error) => void fail(error) });
        await writer.end();
        return;
      }
      const spec = UNARY_METHODS[method];
      if (!spec) throw unsupportedMethod(method);
      const ctx = ctxFor(spec.needsCertificate);
      let request: { v: number };
      try {
        request = spec.request.decode(payload);
      } catch {
        throw new FrameError('malformed_frame', `payload is not a ${method.slice(method.lastIndexOf('/') + 1)} request`);
      }
      if (request.v !== PROTOCOL_VERSION) throw new FrameError('protocol_mismatch', `message version ${request.v} is not supported (expected ${PROTOCOL_VERSION})`);
      const response = await spec.handle(core, ctx, request, peer);
      await writer.send({ kind: 'message', payload: spec.response.encode(response).finish() });
      await writer.end();
    } catch (error) {
      await fail(error);
    } finally {
      abort.abort();
      void frames.return(undefined).catch(() => undefined);
    }
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CoreError('deadline_exceeded', `no request frame within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
