// A fixed-window request budget per client address, with the seconds to wait when it is spent.

/** Most client windows kept; beyond it the oldest windows are dropped (they would have reset anyway). */
const MAX_CLIENTS = 8192;

interface Window {
  startedAtMs: number;
  count: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `client`; returns 0 when allowed, else the whole seconds until its window resets. */
  take(client: string): number {
    const at = this.now();
    let window = this.windows.get(client);
    if (!window || at - window.startedAtMs >= this.windowMs) {
      if (!window && this.windows.size >= MAX_CLIENTS) this.evict(at);
      window = { startedAtMs: at, count: 0 };
      this.windows.set(client, window);
    }
    window.count += 1;
    if (window.count <= this.limit) return 0;
    return Math.max(1, Math.ceil((window.startedAtMs + this.windowMs - at) / 1000));
  }

  private evict(at: number): void {
    for (const [client, window] of this.windows) {
      if (at - window.startedAtMs >= this.windowMs) this.windows.delete(client);
    }
    // Map iteration is insertion order, so the first key is the longest-held window.
    if (this.windows.size >= MAX_CLIENTS) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
  }
}
