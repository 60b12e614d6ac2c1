// EventBus: the one in-process publish/subscribe channel for run events.
import type { RunEvent } from './run-event.js';

type Listener = (event: RunEvent) => void;

/** Delivers each published event synchronously to the listeners of its run, in publish order. */
export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  publish(event: RunEvent): void {
    const set = this.listeners.get(event.runId);
    if (!set) return;
    for (const listener of [...set]) listener(event);
  }

  /** Returns the function that removes the listener. */
  subscribe(runId: string, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(runId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(runId);
    };
  }

  subscriberCount(runId?: string): number {
    if (runId !== undefined) return this.listeners.get(runId)?.size ?? 0;
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}
