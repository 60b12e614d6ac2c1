// The node RPC dispatcher: one stream = one call; reads the request frame, applies the method's certificate rule, calls the core, answers, closes.
import type { Logger } from 'pino';
import type { CallContext } from '../../core/context.js';
import { CoreError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { authenticatePeer } from './auth.js';
import { type ErrorFramePayload, FrameError, MAX_FRAME_BYTES, PROTOCOL_VERSION, readFrames } from './codec.js';
import { toErrorFrame, toNodeRpcError, unsupportedMethod } from './errors.js';
import { FrameWriter } from './frame-writer.js';
import { type NodeRpcCore, OPEN_TASK_CHANNEL, UNARY_METHODS } from './methods.js';
import type { PeerFaults } from './peer-faults.js';
import { type PeerInfo, peerStream, type RpcStream } from './rpc-stream.js';
import { serveTaskChannel } from './task-channel.js';

export interface DispatcherOptions {
  core: NodeRpcCore;
  logger: Logger;
  /** Where failures the peer caused are counted (internal faults go to `logger` at error level). */
  faults: PeerFaults;
  maxFrameBytes?: number;
  /** How long a peer may take to send its request frame. Default 10 s. */
  requestTimeoutMs?: number;
}

/** How a call ended: `answered` with a message, or not (an error frame, or the peer went away). */
export interface CallOutcome {
  answered: boolean;
}

export interface Dispatcher {
  /** Serves one stream to its end; never throws. Every path ends the stream: answer or error frame, then close. */
  serve(stream: RpcStream, peer: PeerInfo): Promise<CallOutcome>;
  /** Refuses a stream without reading it (a limit): error frame, then close. Never throws. */
  refuse(stream: RpcStream, peer: PeerInfo, error: CoreError): Promise<void>;
}

/** After our side is finished, how long the peer's side may stay open: enough for the last frame to reach it. */
const LINGER_MS = 1_000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { core, logger, faults } = options;
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;

  /** Our fault → error level with the original; the peer's → counted (debug line, info summary). */
  const report = (error: CoreError, frame: ErrorFramePayload, peer: PeerInfo, requestId: string) => {
    if (error.code === 'internal') logger.error({ err: error.cause ?? error, request_id: requestId }, 'node RPC call failed');
    else faults.record(frame.reason ?? frame.code, { code: frame.code, message: frame.message, peer: peer.address, request_id: requestId });
  };

  /** Finishes our side (after an error frame, if any); the peer's side is dropped once the linger passes. */
  const close = async (carrier: RpcStream, writer: FrameWriter, frame?: ErrorFramePayload) => {
    if (frame) await writer.send({ kind: 'error', error: frame }).catch(() => undefined);
    await writer.end();
    setTimeout(() => carrier.destroy(), LINGER_MS).unref();
  };

  return {
    async serve(stream, peer) {
      const requestId = newId();
      const abort = new AbortController();
      const carrier = peerStream(stream);
      const writer = new FrameWriter(carrier, maxFrameBytes);
      const frames = readFrames(carrier.chunks, maxFrameBytes);
      let failed = false;
      const fail = async (thrown: unknown) => {
        if (failed) return;
        failed = true;
        const error = toNodeRpcError(thrown);
        const frame = toErrorFrame(error, requestId);
        report(error, frame, peer, requestId);
        await close(carrier, writer, frame);
      };
      // A certificate that was presented must be valid whatever the method, as the QUIC handshake
      // already demands of it; pairing methods then ignore whose it is (docs/node-rpc.md §3).
      const contextFor = (needsCertificate: boolean): CallContext | null =>
        needsCertificate || peer.certificateDer ? authenticatePeer(core.devices, peer, { signal: abort.signal, requestId }) : null;
      try {
        const first = await withTimeout(frames.next(), requestTimeoutMs);
        if (first.done) throw new FrameError('malformed_frame', 'the stream ended before its request frame');
        if (first.value.kind !== 'request') throw new FrameError('malformed_frame', 'a call must open with a request frame');
        const { method, payload } = first.value;
        if (method === OPEN_TASK_CHANNEL) {
          const ctx = contextFor(true) as CallContext;
          await serveTaskChannel({ core, ctx, peer, firstPayload: payload, frames, writer, fail: (error) => void fail(error) });
          await close(carrier, writer);
          return { answered: !failed };
        }
        const spec = UNARY_METHODS[method];
        if (!spec) throw unsupportedMethod(method);
        const ctx = contextFor(spec.needsCertificate);
        let request: { v: number };
        try {
          request = spec.request.decode(payload);
        } catch {
          throw new FrameError('malformed_frame', `payload is not a ${method.slice(method.lastIndexOf('/') + 1)} request`);
        }
        if (request.v !== PROTOCOL_VERSION) throw new FrameError('protocol_mismatch', `message version ${request.v} is not supported (expected ${PROTOCOL_VERSION})`);
        const response = await spec.handle(core, ctx, request, peer);
        await writer.send({ kind: 'message', payload: spec.response.encode(response).finish() });
        await close(carrier, writer);
        return { answered: true };
      } catch (error) {
        await fail(error);
        return { answered: false };
      } finally {
        abort.abort();
        void frames.return(undefined).catch(() => undefined);
      }
    },

    async refuse(stream, peer, error) {
      const requestId = newId();
      const carrier = peerStream(stream);
      const frame = toErrorFrame(error, requestId);
      report(error, frame, peer, requestId);
      await close(carrier, new FrameWriter(carrier, maxFrameBytes), frame);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CoreError('deadline_exceeded', `no request frame within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
