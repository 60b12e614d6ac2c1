// useRunTape: a run's events, replayed then live, from its SSE stream; resumes after the last seq without gaps or repeats.
import { useEffect, useState } from 'react';
import type { RunEvent } from '../api/types';
import { openSseStream, type StreamState } from './sse-stream';

export interface RunTape {
  events: RunEvent[];
  /** The final status event arrived (done or failed). */
  ended: boolean;
  state: StreamState;
}

export function isFinal(event: RunEvent): boolean {
  return event.event_type === 'status' && (event.payload.kind === 'done' || event.payload.kind === 'failed');
}

/**
 * Appends events in seq order, once each: an event at or below the last seq (a replay after a
 * reconnect) is dropped. Arrivals are applied once per animation frame, so a fast token stream costs
 * one render per frame.
 */
export function useRunTape(runId: string | null): RunTape {
  const [tape, setTape] = useState<RunTape>({ events: [], ended: false, state: 'closed' });
  useEffect(() => {
    if (runId === null) return;
    let lastSeq = -1;
    let ended = false;
    let queued: RunEvent[] = [];
    let frame: number | null = null;
    setTape({ events: [], ended: false, state: 'connecting' });
    const apply = () => {
      frame = null;
      const batch = queued;
      queued = [];
      setTape((current) => ({ ...current, events: current.events.concat(batch), ended }));
    };
    const close = openSseStream({
      url: `/console/v1/runs/${encodeURIComponent(runId)}/events`,
      onState: (state) => setTape((current) => ({ ...current, state })),
      reconnectAfterEnd: () => !ended,
      onFrame(sse) {
        if (sse.id === null) return;
        const event = JSON.parse(sse.data) as RunEvent;
        if (event.seq <= lastSeq) return;
        lastSeq = event.seq;
        if (isFinal(event)) ended = true;
        queued.push(event);
        frame ??= requestAnimationFrame(apply);
      },
    });
    return () => {
      close();
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [runId]);
  return tape;
}
