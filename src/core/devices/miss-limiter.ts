// MissLimiter: counts failed attempts per key (a peer address) in a sliding window and locks the key out.
import { CoreError } from '../errors.js';

const MAX_KEYS = 10_000;

/**
 * In memory on purpose: it slows guessing down, while the durable defence is per code (five misses
 * burn it). A restart clears it. At most 10,000 keys are tracked; the oldest are dropped first.
 */
export class MissLimiter {
  private readonly misses = new Map<string, number[]>();

  constructor(
    private readonly maxMisses: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** @throws CoreError `resource_exhausted` (details.retryAfterMs) while `key` is locked out. */
  check(key: string): void {
    const recent = this.recent(key);
    if (recent.length < this.maxMisses) return;
    const retryAfterMs = Math.max((recent[0] ?? 0) + this.windowMs - this.now(), 1);
    throw new CoreError('resource_exhausted', `too many failed pairing attempts from this address; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      details: { retryAfterMs },
    });
  }

  record(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.misses.delete(key);
    this.misses.set(key, recent);
    if (this.misses.size > MAX_KEYS) this.misses.delete(this.misses.keys().next().value as string);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.misses.get(key) ?? []).filter((at) => at > cutoff);
  }
}
