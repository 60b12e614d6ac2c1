// ApprovalService: pending approvals, decisions from any authorized client, timeouts, the decision cache.
import { type Action, type Authorizer, type Owner, ownerOf } from '../auth/authorize.js';
import { type CallContext, isAdmin } from '../context.js';
import { CoreError } from '../errors.js';
import { isCanonicalId, newId, requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import { type CachedDecision, DecisionCache } from './decision-cache.js';
import type { ApprovalDecision, ApprovalRecord, ApprovalStore, DecisionScope } from './store.js';

export const MAX_APPROVAL_PAGE = 500;

export interface ApprovalRequest {
  owner: Owner;
  runId: string;
  sessionId: string;
  proposalId: string;
  subjectType: ApprovalRecord['subjectType'];
  subjectId: string;
  toolName: string;
  input: Record<string, unknown>;
  summary: string;
}

export interface DecisionInput {
  approved: boolean;
  reason?: string;
  scope?: DecisionScope;
  ttlMs?: number;
}

export interface ResolvedApproval {
  approvalId: string;
  approved: boolean;
  decision: ApprovalDecision;
  scope: DecisionScope;
  ttlMs: number | null;
  reason: string;
  /** True when the decision came from the cache and nobody was asked. */
  cached: boolean;
}

interface Waiter {
  resolve: (result: ResolvedApproval) => void;
  timer: NodeJS.Timeout;
}

/**
 * An approval is requested by a run, answered by the run's own stream or by any other client the
 * owner (or an admin) uses, or denied when its timeout passes. The first answer wins; later ones get
 * `failed_precondition`.
 */
export class ApprovalService {
  private readonly waiters = new Map<string, Waiter>();
  readonly cache: DecisionCache;

  constructor(
    private readonly store: ApprovalStore,
    private readonly authorizer: Authorizer,
    private readonly journal: Journal,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new DecisionCache(now);
  }

  /** A remembered decision for this owner, session and subject, if one is still valid. */
  cached(owner: Owner, sessionId: string, subjectId: string): CachedDecision | undefined {
    return this.cache.get(owner, sessionId, subjectId);
  }

  /**
   * Persists a pending approval and returns its id with a promise of the decision. The promise settles
   * with a denial (`timeout`) after the configured timeout, or (`error`) when `signal` aborts.
   */
  async request(input: ApprovalRequest, signal: AbortSignal): Promise<{ record: ApprovalRecord; decision: Promise<ResolvedApproval> }> {
    const at = this.now();
    const record: ApprovalRecord = {
      approvalId: newId(),
      runId: input.runId,
      sessionId: input.sessionId,
      proposalId: input.proposalId,
      ...input.owner,
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      toolName: input.toolName,
      inputJson: JSON.stringify(input.input),
      requestSummary: input.summary,
      requestedAtMs: at,
      expiresAtMs: at + this.timeoutMs,
      decision: null,
      decisionScope: null,
      decisionScopeTtlMs: null,
      decisionReason: null,
      decidedBy: null,
      resolvedAtMs: null,
    };
    this.store.insertApproval(record);
    await this.journal.append({
      kind: 'approval.requested',
      actor: 'agent',
      ...input.owner,
      sessionId: input.sessionId,
      runId: input.runId,
      payload: { approval_id: record.approvalId, proposal_id: input.proposalId, subject_id: input.subjectId },
    });
    const decision = new Promise<ResolvedApproval>((resolve) => {
      const timer = setTimeout(() => {
        void this.settle(record, 'system:daemon', 'timeout', { approved: false, reason: 'approval_response_timeout' });
      }, this.timeoutMs);
      timer.unref();
      this.waiters.set(record.approvalId, { resolve, timer });
    });
    const onAbort = () => {
      void this.settle(record, 'system:daemon', 'error', { approved: false, reason: 'run ended before the approval was answered' });
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void decision.finally(() => signal.removeEventListener('abort', onAbort));
    return { record, decision };
  }

  /**
   * Answers a pending approval on behalf of `ctx` (the owner or an admin).
   * @throws `not_found` (also for another owner's approval), `permission_denied` (scope),
   *   `failed_precondition` when already decided,
   *   `invalid_argument` for a bad scope or TTL.
   */
  async decide(ctx: CallContext, approvalId: string, input: DecisionInput): Promise<ResolvedApproval> {
    const record = this.owned(ctx, 'approvals.decide', approvalId);
    if (input.scope === 'timeboxed' && !(input.ttlMs !== undefined && input.ttlMs > 0)) {
      throw new CoreError('invalid_argument', 'a timeboxed decision needs decision_scope_ttl_ms > 0');
    }
    if (input.ttlMs !== undefined && (!Number.isSafeInteger(input.ttlMs) || input.ttlMs < 0 || input.ttlMs > 30 * 86_400_000)) {
      throw new CoreError('invalid_argument', 'decision_scope_ttl_ms must be an integer between 0 and 30 days');
    }
    const resolved = await this.settle(record, ctx.principal, input.approved ? 'allow' : 'deny', input);
    if (!resolved) throw new CoreError('failed_precondition', `approval ${approvalId} was already decided`);
    return resolved;
  }

  /** The caller's approval; `action` is the operation the lookup serves (its scope is the one checked). @throws `not_found` (also for approvals of another owner), `invalid_argument`. */
  get(ctx: CallContext, approvalId: string, action: Action = 'approvals.read'): ApprovalRecord {
    return this.owned(ctx, action, approvalId);
  }

  /** The approval if `ctx` may perform `action` on it. @throws `permission_denied` (scope), `not_found`, `invalid_argument`. */
  private owned(ctx: CallContext, action: Action, approvalId: string): ApprovalRecord {
    this.authorizer.authorize(ctx, action);
    requireCanonicalId(approvalId, 'approval_id');
    return this.authorizer.authorizeRecord(ctx, action, { kind: 'approval', id: approvalId }, this.store.getApproval(approvalId));
  }

  list(ctx: CallContext, input: { pendingOnly?: boolean; runId?: string; afterApprovalId?: string; limit?: number }) {
    this.authorizer.authorize(ctx, 'approvals.read');
    if (input.afterApprovalId && !isCanonicalId(input.afterApprovalId)) {
      throw new CoreError('invalid_argument', 'after_approval_id must be a canonical ULID');
    }
    const limit = Math.min(input.limit && input.limit > 0 ? input.limit : 100, MAX_APPROVAL_PAGE);
    // Filtering by owner in the query (not after it) keeps pages full and the cursor right.
    const rows = this.store.listApprovals({
      ...(isAdmin(ctx) ? {} : { owner: ownerOf(ctx) }),
      ...(input.runId ? { runId: input.runId } : {}),
      ...(input.afterApprovalId ? { afterApprovalId: input.afterApprovalId } : {}),
      pendingOnly: input.pendingOnly ?? false,
      limit: limit + 1,
    });
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    return { approvals: page, nextAfterApprovalId: hasMore ? (page.at(-1)?.approvalId ?? null) : null };
  }

  /** Resolves approvals left pending by a previous daemon process (called at start-up). */
  resolveOrphans(reason: string): number {
    let count = 0;
    for (const record of this.store.listPendingApprovals()) {
      const done = this.store.resolveApproval(record.approvalId, {
        decision: 'error',
        decisionScope: 'once',
        decisionScopeTtlMs: null,
        decisionReason: reason,
        decidedBy: 'system:daemon',
        resolvedAtMs: this.now(),
      });
      if (done) count += 1;
    }
    return count;
  }

  get pendingCount(): number {
    return this.waiters.size;
  }

  private async settle(
    record: ApprovalRecord,
    decidedBy: string,
    decision: ApprovalDecision,
    input: DecisionInput,
  ): Promise<ResolvedApproval | undefined> {
    const scope: DecisionScope = decision === 'allow' || decision === 'deny' ? (input.scope ?? 'once') : 'once';
    const ttlMs = input.ttlMs !== undefined && input.ttlMs > 0 ? input.ttlMs : null;
    const reason = input.reason?.trim() || (input.approved ? 'approved_by_client' : 'denied_by_client');
    const resolvedAtMs = this.now();
    const changed = this.store.resolveApproval(record.approvalId, {
      decision,
      decisionScope: scope,
      decisionScopeTtlMs: ttlMs,
      decisionReason: reason,
      decidedBy,
      resolvedAtMs,
    });
    if (!changed) return undefined;
    const resolved: ResolvedApproval = {
      approvalId: record.approvalId,
      approved: decision === 'allow',
      decision,
      scope,
      ttlMs,
      reason,
      cached: false,
    };
    if (decision === 'allow' || decision === 'deny') {
      this.cache.remember(record, record.sessionId, record.subjectId, { approvalId: record.approvalId, approved: resolved.approved, scope, ttlMs, reason });
    }
    const waiter = this.waiters.get(record.approvalId);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(record.approvalId);
      waiter.resolve(resolved);
    }
    await this.journal.append({
      kind: 'approval.resolved',
      actor: decidedBy.startsWith('system:') ? 'system' : 'user',
      principal: record.principal,
      deviceId: record.deviceId,
      channel: record.channel,
      sessionId: record.sessionId,
      runId: record.runId,
      payload: { approval_id: record.approvalId, decision, scope, reason, decided_by: decidedBy },
    });
    return resolved;
  }
}

