// Long-lived HTTP responses: run events as Server-Sent Events or NDJSON lines, tracked so shutdown can end them.
import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../../core/events/run-event.js';
import type { Metrics } from '../../core/metrics.js';
import { eventToWire } from './schemas/runs.js';

export type StreamKind = 'sse' | 'ndjson';

/** A comment line every so often keeps proxies and idle timers from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;

export interface StreamSink {
  /** Aborts when the client leaves or the server shuts down. */
  signal: AbortSignal;
  /**
   * Queues text for the client. Text queued in one turn of the event loop goes out as one write;
   * the promise (if any) resolves once the client has taken what was sent before (backpressure).
   */
  write(text: string): Promise<void> | undefined;
}

/** Every open SSE/NDJSON stream, so `closeAll` (preClose) ends them and the open-streams gauge is right. */
export class StreamTracker {
  private readonly streams = new Set<AbortController>();

  constructor(private readonly metrics: Metrics) {}

  get size(): number {
    return this.streams.size;
  }

  /**
   * Sends what `pump` writes as the response body, then ends it when `pump` returns. While nothing
   * was written for `HEARTBEAT_MS`, `heartbeat` is written so idle timers keep the stream open.
   */
  send(reply: FastifyReply, kind: StreamKind, contentType: string, heartbeat: string, pump: (sink: StreamSink) => Promise<void>): FastifyReply {
    const controller = new AbortController();
    // Written straight to the response, not through a PassThrough piped by Fastify: with a thousand
    // subscribers the extra stream hop per frame was most of the fan-out's cost (issue 15).
    reply.hijack();
    const body = reply.raw;
    reply.header('content-type', contentType).header('x-accel-buffering', 'no');
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) body.setHeader(name, value);
    body.writeHead(200);
    let pending = '';
    let scheduled = false;
    let wroteSinceTick = false;
    const isOpen = () => !body.destroyed && !body.writableEnded;
    const flush = () => {
      scheduled = false;
      if (pending === '' || !isOpen()) return;
      const chunk = pending;
      pending = '';
      body.write(chunk);
    };
    const sink: StreamSink = {
      signal: controller.signal,
      write(text) {
        pending += text;
        wroteSinceTick = true;
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
        return body.writableNeedDrain && !body.destroyed ? once(body, 'drain', { signal: controller.signal }).then(() => undefined, () => undefined) : undefined;
      },
    };
    const timer = setInterval(() => {
      if (!wroteSinceTick) sink.write(heartbeat);
      wroteSinceTick = false;
    }, HEARTBEAT_MS);
    timer.unref();
    this.streams.add(controller);
    this.metrics.openStreams.inc({ transport: 'http', kind });
    const done = () => {
      clearInterval(timer);
      if (!this.streams.delete(controller)) return;
      controller.abort();
      this.metrics.openStreams.dec({ transport: 'http', kind });
    };
    body.once('close', done);
    void pump(sink)
      .catch((error: unknown) => reply.log.error({ err: error }, 'stream failed'))
      .finally(() => {
        flush();
        if (isOpen()) body.end();
        done();
      });
    return reply;
  }

  /** Ends every open stream (graceful shutdown). */
  closeAll(): void {
    for (const controller of this.streams) controller.abort();
  }
}

export const SSE_HEARTBEAT = ': keep-alive\n\n';

// Live events reach every watcher as the same object: the frame is built once, not once per subscriber.
const frames = new WeakMap<RunEvent, string>();

/** One SSE frame per run event: `id` is the seq, so `Last-Event-ID` resumes exactly after it. */
export function sseFrame(event: RunEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(eventToWire(event))}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}

/** NDJSON lines: one JSON object each. */
export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
