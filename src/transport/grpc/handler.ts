// Wraps every call shape (unary, server stream, bidi stream) so no bare handler reaches grpc-js.
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { type CallContext, LazySignal } from '../../core/context.js';
import { CoreError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Core } from '../../core/index.js';
import { authenticateCall } from './auth.js';
import { statusName, toCallStatus } from './errors.js';
import { RefusedMessage } from './limits.js';

export interface HandlerDeps {
  core: Core;
  logger: Logger;
}

/** Sends one message, waiting while the call's send buffer is full; rejects once the call is gone. */
export type Send<Res> = (message: Res) => Promise<void>;

/** Requests of a client or bidi stream, pulled one at a time. */
export interface MessageSource<Req> {
  /** The next message, or null once the client half-closed. @throws `cancelled` when the call ended. */
  next(): Promise<Req | null>;
}

interface RouteMetrics {
  open(): void;
  done(code: Status, startedMs: number, streaming: boolean): void;
}

function routeMetrics(core: Core, route: string, kind: string): RouteMetrics {
  const streams = core.metrics.openStreams.labels('grpc', kind);
  return {
    open: () => streams.inc(),
    done(code, startedMs, streaming) {
      core.metrics.recordRequest('grpc', route, statusName(code), (performance.now() - startedMs) / 1000);
      if (streaming) streams.dec();
    },
  };
}

/** The request, or the refusal its decoder recorded (see withRequestDecoding). */
function decoded<Req>(message: Req | RefusedMessage): Req {
  if (message instanceof RefusedMessage) throw message.error;
  return message;
}

const cancelledByClient = () => new CoreError('cancelled', 'the client cancelled the call');

function callSignal(call: NodeJS.EventEmitter): AbortController {
  const controller = new AbortController();
  call.once('cancelled', () => controller.abort(cancelledByClient()));
  return controller;
}

/** A unary call's cancel signal, made on first use (see SignalSource): most unary methods never look. */
function lazyCallSignal(call: NodeJS.EventEmitter): () => AbortSignal {
  const lazy = new LazySignal();
  call.once('cancelled', () => lazy.abort(cancelledByClient()));
  return lazy.source;
}

function sendFor<Res>(call: grpc.ServerWritableStream<unknown, Res> | grpc.ServerDuplexStream<unknown, Res>, signal: AbortSignal): Send<Res> {
  return async (message) => {
    signal.throwIfAborted();
    if (!call.write(message)) await once(call, 'drain', { signal });
  };
}

/** A unary method: authenticate → impl → response; errors mapped; metrics recorded. */
export function unary<Req, Res>(
  deps: HandlerDeps,
  route: string,
  impl: (request: Req, ctx: CallContext) => Promise<Res> | Res,
): grpc.handleUnaryCall<Req, Res> {
  const metrics = routeMetrics(deps.core, route, 'unary');
  return (call, callback) => {
    const startedMs = performance.now();
    const signal = lazyCallSignal(call);
    let requestId: string | undefined;
    const succeed = (response: Res) => {
      metrics.done(Status.OK, startedMs, false);
      callback(null, response);
    };
    const fail = (error: unknown) => {
      const status = toCallStatus(error, requestId ?? newId(), deps.logger);
      metrics.done(status.code, startedMs, false);
      callback({ ...status, message: status.details });
    };
    // Synchronous implementations answer in the same tick; only real async work waits for a promise.
    try {
      const ctx = authenticateCall(deps.core, call.metadata, signal);
      requestId = ctx.requestId;
      const result = impl(decoded(call.request), ctx);
      if (result instanceof Promise) result.then(succeed, fail);
      else succeed(result);
    } catch (error) {
      fail(error);
    }
  };
}

/** A unary method that needs no credentials (health). */
export function publicUnary<Req, Res>(deps: HandlerDeps, route: string, impl: (request: Req) => Res): grpc.handleUnaryCall<Req, Res> {
  const metrics = routeMetrics(deps.core, route, 'unary');
  return (call, callback) => {
    const startedMs = performance.now();
    try {
      const response = impl(decoded(call.request));
      metrics.done(Status.OK, startedMs, false);
      callback(null, response);
    } catch (error) {
      const status = toCallStatus(error, newId(), deps.logger);
      metrics.done(status.code, startedMs, false);
      callback({ ...status, message: status.details });
    }
  };
}

/** A server-streaming method: impl sends with backpressure; the call ends when impl settles. */
export function serverStream<Req, Res>(
  deps: HandlerDeps,
  route: string,
  impl: (request: Req, ctx: CallContext, send: Send<Res>) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  const metrics = routeMetrics(deps.core, route, route);
  return (call) => {
    const startedMs = performance.now();
    metrics.open();
    const controller = callSignal(call);
    let requestId: string | undefined;
    const run = async () => {
      const ctx = authenticateCall(deps.core, call.metadata, controller.signal);
      requestId = ctx.requestId;
      await impl(decoded(call.request), ctx, sendFor(call, controller.signal));
    };
    run().then(
      () => {
        metrics.done(Status.OK, startedMs, true);
        call.end();
      },
      (error: unknown) => endWithError(deps, call, metrics, startedMs, error, requestId, controller.signal),
    );
  };
}

/** A bidi-streaming method: impl pulls requests and sends responses; the call ends when impl settles. */
export function bidiStream<Req, Res>(
  deps: HandlerDeps,
  route: string,
  impl: (source: MessageSource<Req>, ctx: CallContext, send: Send<Res>) => Promise<void>,
): grpc.handleBidiStreamingCall<Req, Res> {
  const metrics = routeMetrics(deps.core, route, route);
  return (call) => {
    const startedMs = performance.now();
    metrics.open();
    const controller = callSignal(call);
    const source = messageSource<Req>(call, controller.signal);
    let requestId: string | undefined;
    const run = async () => {
      const ctx = authenticateCall(deps.core, call.metadata, controller.signal);
      requestId = ctx.requestId;
      await impl(source, ctx, sendFor(call, controller.signal));
    };
    run().then(
      () => {
        metrics.done(Status.OK, startedMs, true);
        call.end();
      },
      (error: unknown) => endWithError(deps, call, metrics, startedMs, error, requestId, controller.signal),
    );
  };
}

function endWithError(
  deps: HandlerDeps,
  call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
  metrics: RouteMetrics,
  startedMs: number,
  error: unknown,
  requestId: string | undefined,
  signal: AbortSignal,
): void {
  // A call the client already cancelled has no one to tell; grpc-js has answered it with CANCELLED.
  if (signal.aborted) return metrics.done(Status.CANCELLED, startedMs, true);
  const status = toCallStatus(error, requestId ?? newId(), deps.logger);
  metrics.done(status.code, startedMs, true);
  call.emit('error', { ...status, message: status.details });
}

/** Buffers incoming messages (pausing the call while a few wait) and hands them out in order. */
function messageSource<Req>(call: grpc.ServerDuplexStream<Req, unknown>, signal: AbortSignal): MessageSource<Req> {
  const queue: Array<Req | RefusedMessage> = [];
  let ended = false;
  let wake: (() => void) | undefined;
  call.on('data', (message: Req | RefusedMessage) => {
    queue.push(message);
    if (queue.length >= 8) call.pause();
    wake?.();
  });
  call.once('end', () => {
    ended = true;
    wake?.();
  });
  signal.addEventListener('abort', () => wake?.(), { once: true });
  return {
    async next() {
      for (;;) {
        const message = queue.shift();
        if (message !== undefined) {
          if (queue.length < 4) call.resume();
          return decoded(message);
        }
        if (ended) return null;
        if (signal.aborted) throw new CoreError('cancelled', 'the client cancelled the call');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}

/** The metrics route of a method path: `/palyra.gateway.v1.GatewayService/GetHealth` → `GatewayService/GetHealth`. */
export function routeOf(path: string): string {
  const [service = '', method = ''] = path.slice(1).split('/');
  return `${service.slice(service.lastIndexOf('.') + 1)}/${method}`;
}

/**
 * The services added from libraries (health, reflection) have their own handlers, which know nothing of
 * RefusedMessage: for their `paths` this interceptor ends a call whose message was refused, as our
 * handlers do, and counts it. Other calls pass through untouched.
 */
export function libraryRefusals(deps: HandlerDeps, paths: ReadonlySet<string>): grpc.ServerInterceptor {
  return (method, call) => {
    if (!paths.has(method.path)) return new grpc.ServerInterceptingCall(call);
    const startedMs = performance.now();
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage(message, nextMessage) {
            if (!(message instanceof RefusedMessage)) return nextMessage(message);
            const status = toCallStatus(message.error, newId(), deps.logger);
            deps.core.metrics.recordRequest('grpc', routeOf(method.path), statusName(status.code), (performance.now() - startedMs) / 1000);
            call.sendStatus(status);
          },
        }),
    });
  };
}
