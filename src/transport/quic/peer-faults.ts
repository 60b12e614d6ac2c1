// Peer-caused node RPC events (resets, bad frames, refused certificates, limits): debug lines, capped, plus one info summary per window.
import type { Logger } from 'pino';

/** One summary line per window at most; the first `detailedPerWindow` events of a window also get a debug line each. */
export interface PeerFaultOptions {
  windowMs?: number;
  detailedPerWindow?: number;
}

/**
 * What a peer does wrong is its business, not an incident of ours: anyone who can reach the port
 * could otherwise fill the log at will (issue 10). Events are counted by kind; each window's counts
 * go out as one info line (`node RPC peer faults`) when the window ends or the listener closes.
 * Error level stays for our own faults.
 */
export class PeerFaults {
  private readonly windowMs: number;
  private readonly detailedPerWindow: number;
  private counts = new Map<string, number>();
  private detailed = 0;
  private windowStartMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    options: PeerFaultOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.detailedPerWindow = options.detailedPerWindow ?? 20;
  }

  /** Counts one event of `kind` (a reason or error code); `fields` go only into its debug line. */
  record(kind: string, fields: Record<string, unknown> = {}): void {
    if (this.closed) return;
    if (!this.timer) {
      this.windowStartMs = Date.now();
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.detailed < this.detailedPerWindow) {
      this.detailed += 1;
      this.logger.debug({ ...fields, fault: kind }, 'node RPC peer fault');
    }
  }

  /** Writes the last summary; what the listeners' own shutdown does to open streams is not counted. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /** Writes the current window's summary (if anything happened) and starts a new window. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const faults = Object.fromEntries(this.counts);
    const total = [...this.counts.values()].reduce((sum, n) => sum + n, 0);
    this.logger.info({ faults, total, window_ms: Date.now() - this.windowStartMs }, 'node RPC peer faults');
    this.counts = new Map();
    this.detailed = 0;
  }
}
