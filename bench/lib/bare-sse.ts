// The bare-library SSE baseline: a Fastify route streaming an EventEmitter's events to raw responses.
import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';

export const BARE_SSE_PATH = '/bench/bare-sse';

interface Frame {
  seq: number;
  event_type: string;
  payload: Record<string, unknown>;
  created_at_unix_ms: number;
}

/** Emits `count` token frames `delayMs` apart and a final status frame; late subscribers get a replay first. */
export class BareSseSource {
  private readonly emitter = new EventEmitter();
  private readonly frames: string[] = [];
  private finished = false;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  register(app: FastifyInstance): void {
    app.get(BARE_SSE_PATH, (request, reply) => {
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      raw.write(this.frames.join(''));
      if (this.finished) return void raw.end();
      const onFrame = (text: string, last: boolean) => {
        raw.write(text);
        if (last) raw.end();
      };
      this.emitter.on('frame', onFrame);
      request.raw.once('close', () => this.emitter.off('frame', onFrame));
    });
  }

  async play(count: number, delayMs: number): Promise<void> {
    for (let seq = 0; seq <= count; seq += 1) {
      const last = seq === count;
      const frame: Frame = {
        seq,
        event_type: last ? 'status' : 'model_token',
        payload: last ? { kind: 'done', message: 'completed' } : { token: ` t${seq}`, is_final: false },
        created_at_unix_ms: Date.now(),
      };
      const text = `id: ${seq}\ndata: ${JSON.stringify(frame)}\n\n`;
      this.frames.push(text);
      if (last) this.finished = true;
      this.emitter.emit('frame', text, last);
      if (!last) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
