// What a QUIC connection without a paired certificate may hold: a few streams at once, and only while its calls keep succeeding.

/** Bounds for one connection without a paired certificate. */
export interface UnauthenticatedLimits {
  /** Streams served at once; more are refused with an error frame. */
  maxStreams: number;
  /** The connection is closed once this long passes without one of its calls answered (from the handshake on). */
  idleMs: number;
  /** The connection is closed after this long whatever it does. */
  lifetimeMs: number;
}

/**
 * Pairing needs one call at a time (BeginPairing, then a GetPairingStatus poll every second), and a
 * pending request waits at most 15 minutes. The idle bound is above the 10 s a peer has to send its
 * request frame, so a call opened in time is answered before it fires. QUIC keep-alive never lets
 * the transport's own idle timeout fire, so without these bounds a peer without a certificate could
 * hold a connection and its streams forever (issue 10).
 */
export const UNAUTHENTICATED_LIMITS: UnauthenticatedLimits = {
  maxStreams: 4,
  idleMs: 15_000,
  lifetimeMs: 16 * 60_000,
};

export type BudgetExpiry = 'idle' | 'lifetime';

/** One unauthenticated connection's budget; calls `onExpired` once, when the connection must go. */
export class UnauthenticatedBudget {
  private open = 0;
  private expired = false;
  private idleTimer: NodeJS.Timeout;
  private readonly lifetimeTimer: NodeJS.Timeout;

  constructor(
    private readonly limits: UnauthenticatedLimits,
    private readonly onExpired: (why: BudgetExpiry) => void,
  ) {
    this.idleTimer = this.arm('idle', limits.idleMs);
    this.lifetimeTimer = this.arm('lifetime', limits.lifetimeMs);
  }

  /** Takes a stream slot; false when all are taken (the stream is to be refused). */
  admitStream(): boolean {
    if (this.expired || this.open >= this.limits.maxStreams) return false;
    this.open += 1;
    return true;
  }

  /** Frees a slot; an answered call restarts the idle clock. */
  streamEnded(answered: boolean): void {
    this.open = Math.max(0, this.open - 1);
    if (!answered || this.expired) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = this.arm('idle', this.limits.idleMs);
  }

  /** The connection is gone: no timer may fire for it. */
  close(): void {
    this.expired = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifetimeTimer);
  }

  private arm(why: BudgetExpiry, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      if (this.expired) return;
      this.close();
      this.onExpired(why);
    }, ms);
    timer.unref();
    return timer;
  }
}
