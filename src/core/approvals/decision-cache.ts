// DecisionCache: remembered approval decisions per owner + session + subject (session and timeboxed scopes).
import type { Owner } from '../auth/authorize.js';
import type { DecisionScope } from './store.js';

export interface CachedDecision {
  approvalId: string;
  approved: boolean;
  scope: DecisionScope;
  ttlMs: number | null;
  reason: string;
  expiresAtMs: number | null;
}

const MAX_ENTRIES = 1024;

/** Bounded (oldest entry evicted first); `once` decisions and timeboxes without a TTL are never kept. */
export class DecisionCache {
  private readonly entries = new Map<string, CachedDecision>();

  constructor(private readonly now: () => number = Date.now) {}

  get(owner: Owner, sessionId: string, subjectId: string): CachedDecision | undefined {
    const key = cacheKey(owner, sessionId, subjectId);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs !== null && entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  remember(owner: Owner, sessionId: string, subjectId: string, decision: Omit<CachedDecision, 'expiresAtMs'>): void {
    let expiresAtMs: number | null;
    if (decision.scope === 'once') return;
    if (decision.scope === 'timeboxed') {
      if (decision.ttlMs === null || decision.ttlMs <= 0) return;
      expiresAtMs = this.now() + decision.ttlMs;
    } else {
      expiresAtMs = decision.ttlMs !== null && decision.ttlMs > 0 ? this.now() + decision.ttlMs : null;
    }
    const key = cacheKey(owner, sessionId, subjectId);
    this.entries.delete(key);
    this.entries.set(key, { ...decision, expiresAtMs });
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  forgetSession(sessionId: string): void {
    const marker = `\u0000${sessionId}\u0000`;
    for (const key of this.entries.keys()) if (key.includes(marker)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

function cacheKey(owner: Owner, sessionId: string, subjectId: string): string {
  return [owner.principal, owner.deviceId, owner.channel ?? '', sessionId, subjectId].join('\u0000');
}
