// RunTape: appends run events with a per-run seq, publishes them after commit, replays then follows.
import { CoreError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { isFinalEvent, type RunEvent, type RunEventType } from '../events/run-event.js';
import type { RunStore, TapeRow } from './store.js';

const REPLAY_PAGE = 500;
/** Live events held for one slow subscriber before it falls back to reading the store. */
const MAX_BUFFERED = 1024;

export interface TapePage {
  events: RunEvent[];
  nextAfterSeq: number;
}

/**
 * Every run event goes through `append`: it takes the run's next seq, is written to the tape, and is
 * published on the bus only after its write committed. A subscriber therefore never sees an event that
 * a crash could take back, and `follow` can replay from the store and then switch to live events
 * without a gap or a duplicate.
 */
export class RunTape {
  private readonly nextSeq = new Map<string, number>();

  constructor(
    private readonly store: RunStore,
    private readonly bus: EventBus,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends one event; resolves with it once committed and published. */
  async append(runId: string, type: RunEventType, payload: Record<string, unknown>): Promise<RunEvent> {
    const seq = this.takeSeq(runId);
    const event: RunEvent = { runId, seq, type, payload, createdAtMs: this.now() };
    await this.store.appendTape({
      runId,
      seq,
      eventType: type,
      payloadJson: JSON.stringify(payload),
      createdAtMs: event.createdAtMs,
    });
    this.bus.publish(runId, event);
    if (isFinalEvent(event)) this.nextSeq.delete(runId);
    return event;
  }

  /** A page of committed events with seq > afterSeq. */
  read(runId: string, afterSeq: number, limit: number): TapePage {
    const events = this.store.readTape(runId, afterSeq, limit).map(toEvent);
    const last = events.at(-1);
    return { events, nextAfterSeq: last ? last.seq : afterSeq };
  }

  /** True when the run's final status event is taped with a seq ≤ `afterSeq`. */
  endsAtOrBefore(runId: string, afterSeq: number): boolean {
    const last = this.store.lastTapeSeq(runId);
    if (last < 0 || last > afterSeq) return false;
    const [row] = this.store.readTape(runId, last - 1, 1);
    return row !== undefined && isFinalEvent(toEvent(row));
  }

  /**
   * Yields every event with seq > afterSeq: first from the store, then live, ending after the run's
   * final status event (or when `signal` aborts).
   */
  async *follow(runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<RunEvent> {
    const buffered: RunEvent[] = [];
    let overflowed = false;
    let wake: (() => void) | undefined;
    const unsubscribe = this.bus.subscribe(runId, (event) => {
      // A subscriber that cannot keep up drops live events and reads the store again instead of
      // growing this buffer; once overflowed it takes nothing more, so the buffer never holds a gap.
      if (overflowed || buffered.length >= MAX_BUFFERED) overflowed = true;
      else buffered.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      let cursor = afterSeq;
      let replaying = true;
      for (;;) {
        while (replaying) {
          // Everything published before this read is committed, so the read covers it.
          buffered.length = 0;
          overflowed = false;
          const page = this.store.readTape(runId, cursor, REPLAY_PAGE);
          for (const row of page) {
            const event = toEvent(row);
            cursor = event.seq;
            yield event;
            if (isFinalEvent(event)) return;
          }
          replaying = page.length === REPLAY_PAGE || overflowed;
        }
        while (buffered.length > 0 && !overflowed) {
          const event = buffered.shift() as RunEvent;
          if (event.seq <= cursor) continue;
          cursor = event.seq;
          yield event;
          if (isFinalEvent(event)) return;
        }
        if (signal.aborted) return;
        if (overflowed) {
          replaying = true;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private takeSeq(runId: string): number {
    let seq = this.nextSeq.get(runId);
    if (seq === undefined) seq = this.store.lastTapeSeq(runId) + 1;
    this.nextSeq.set(runId, seq + 1);
    return seq;
  }
}

function toEvent(row: TapeRow): RunEvent {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(row.payloadJson) as Record<string, unknown>;
  } catch (cause) {
    throw new CoreError('internal', `run tape row ${row.runId}/${row.seq} is not valid JSON`, { cause });
  }
  return { runId: row.runId, seq: row.seq, type: row.eventType as RunEventType, payload, createdAtMs: row.createdAtMs };
}
