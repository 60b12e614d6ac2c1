// EventBus: the one in-process publish/subscribe mechanism (run events by run id, canvas versions by canvas id).
import type { RunEvent } from './run-event.js';

type Listener<E> = (event: E) => void;

/** Delivers each published event synchronously to the listeners of its topic, in publish order. */
export class EventBus<E = RunEvent> {
  private readonly listeners = new Map<string, Set<Listener<E>>>();

  publish(topic: string, event: E): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    for (const listener of [...set]) listener(event);
  }

  /** Returns the function that removes the listener. */
  subscribe(topic: string, listener: Listener<E>): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(topic);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(topic);
    };
  }

  subscriberCount(topic?: string): number {
    if (topic !== undefined) return this.listeners.get(topic)?.size ?? 0;
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}
