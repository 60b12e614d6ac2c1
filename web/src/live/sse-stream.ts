// A Server-Sent Event stream read with fetch: resumes with Last-Event-ID after a drop, reports a lost session.
import { signalSignedOut } from '../api/session';
import { type SseFrame, SseParser } from './sse-parser';

export type StreamState = 'connecting' | 'open' | 'retrying' | 'closed';

export interface SseStreamOptions {
  url: string;
  onFrame(frame: SseFrame): void;
  onState?(state: StreamState): void;
  /** Called when a stream ends; return false to stop (e.g. the run is over). Default: reconnect. */
  reconnectAfterEnd?(): boolean;
  /** The id to resume after on the first request. */
  lastEventId?: string | null;
}

const DEFAULT_RETRY_MS = 2000;

/** Opens the stream and keeps it open until the returned function is called. */
export function openSseStream(options: SseStreamOptions): () => void {
  const controller = new AbortController();
  let lastEventId = options.lastEventId ?? null;
  const setState = (state: StreamState) => options.onState?.(state);

  const run = async () => {
    for (;;) {
      const parser = new SseParser();
      setState('connecting');
      try {
        const response = await fetch(options.url, {
          headers: { accept: 'text/event-stream', ...(lastEventId !== null ? { 'last-event-id': lastEventId } : {}) },
          credentials: 'same-origin',
          signal: controller.signal,
        });
        if (response.status === 401) {
          signalSignedOut('Your console session ended (it expired, or the daemon restarted without it). Sign in again.');
          setState('closed');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        setState('open');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const frame of parser.push(value)) {
            if (frame.id !== null) lastEventId = frame.id;
            options.onFrame(frame);
          }
        }
        if (options.reconnectAfterEnd && !options.reconnectAfterEnd()) {
          setState('closed');
          return;
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      if (controller.signal.aborted) return;
      setState('retrying');
      await new Promise((resolve) => setTimeout(resolve, parser.retryMs ?? DEFAULT_RETRY_MS));
      if (controller.signal.aborted) return;
    }
  };
  void run();
  return () => controller.abort();
}
