// RunService: starts runs and drives them through the state machine; reads, watches, cancels, recovers.
import type { ApprovalService } from '../approvals/approvals.js';
import { type Action, type Authorizer, ownerOf } from '../auth/authorize.js';
import { type CallContext, isAdmin } from '../context.js';
import { CoreError, toCoreError } from '../errors.js';
import type { RunEvent, StatusKind } from '../events/run-event.js';
import { isCanonicalId, newId, requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import { journalIdentity, type SessionService } from '../sessions/sessions.js';
import { ActiveRun, type ApprovalAnswer, type RunHandle } from './active-run.js';
import { type AgentLoopDeps, runAgentTurn } from './agent-loop.js';
import { isTerminal, type RunState, transition } from './run-state.js';
import type { RunRecord, RunStore } from './store.js';
import type { RunTape, TapePage } from './tape.js';

export const MAX_TAPE_PAGE = 1000;
export const MAX_RUN_PAGE = 500;
const CANCEL_COMMANDS = new Set(['/cancel', 'cancel']);

export interface StartRunInput {
  runId?: string;
  sessionId?: string;
  sessionKey?: string;
  sessionLabel?: string;
  requireExistingSession?: boolean;
  resetSession?: boolean;
  prompt: string;
  /** Complete the run (DONE) right after this first turn, as a one-shot client would by half-closing. */
  closeAfterPrompt?: boolean;
}

export interface RunServiceDeps extends AgentLoopDeps {
  store: RunStore;
  tape: RunTape;
  sessions: SessionService;
  approvals: ApprovalService;
  authorizer: Authorizer;
  journal: Journal;
}

export class RunService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly finishing = new Set<Promise<unknown>>();
  /** Starts of each principal that hold a concurrent-run slot while they await their session. */
  private readonly starting = new Map<string, number>();
  private accepting = true;

  constructor(private readonly deps: RunServiceDeps) {}

  /**
   * Accepts a run in a (resolved or new) session and starts its first turn. Resolves once ACCEPTED
   * is taped, so `watch` from seq -1 sees the whole run.
   * @throws `invalid_argument`, `already_exists` (run id reused), `permission_denied` (foreign
   *   session), `resource_exhausted` (too many concurrent runs), `unavailable` (shutting down).
   */
  async start(ctx: CallContext, input: StartRunInput): Promise<RunHandle> {
    this.deps.authorizer.authorize(ctx, 'runs.start');
    if (!this.accepting) throw new CoreError('unavailable', 'the daemon is shutting down; retry against the restarted daemon');
    const runId = input.runId ? requireCanonicalId(input.runId, 'run_id') : newId();
    this.checkPrompt(input.prompt);
    if (this.active.has(runId) || this.deps.store.getRun(runId)) throw new CoreError('already_exists', `run already exists: ${runId}`);
    const releaseSlot = this.reserveSlot(ctx.principal);
    let session;
    try {
      ({ session } = await this.deps.sessions.resolve(
        ctx,
        {
          ...(input.sessionId ? { sessionId: input.sessionId } : {}),
          ...(input.sessionKey ? { sessionKey: input.sessionKey } : {}),
          ...(input.sessionLabel ? { label: input.sessionLabel } : {}),
          ...(input.requireExistingSession ? { requireExisting: true } : {}),
          ...(input.resetSession ? { reset: true } : {}),
        },
        'runs.start',
      ));
      if (this.active.has(runId)) throw new CoreError('already_exists', `run already exists: ${runId}`);
    } finally {
      // The reservation ends in the same synchronous step that makes the run active (below): no start
      // awaiting its session in between can count a slot twice or miss one.
      releaseSlot();
    }
    const owner = ownerOf(ctx);
    const run = new ActiveRun(runId, session.sessionId, owner, (type, payload) => this.deps.tape.append(runId, type, payload));
    this.active.set(runId, run);
    const at = this.deps.now();
    const record: RunRecord = {
      runId,
      sessionId: session.sessionId,
      ...owner,
      state: 'accepted',
      model: this.deps.model.name,
      createdAtMs: at,
      updatedAtMs: at,
      finishedAtMs: null,
      cancelRequested: false,
      cancelReason: null,
      failureReason: null,
      lastError: null,
      promptTokens: 0,
      completionTokens: 0,
    };
    try {
      await this.deps.store.insertRun(record);
      this.deps.sessions.touch(session.sessionId, runId);
      await this.emitStatus(run, 'accepted', `accepted session=${session.sessionId} principal=${ctx.principal}`);
      await this.deps.journal.append({ kind: 'run.started', actor: 'user', ...journalIdentity(ctx), sessionId: session.sessionId, runId, payload: { model: record.model } });
    } catch (error) {
      this.active.delete(runId);
      throw error;
    }
    run.push({ kind: 'turn', text: input.prompt });
    if (input.closeAfterPrompt) run.push({ kind: 'close' });
    const finished = this.drive(run);
    this.finishing.add(finished);
    void finished.finally(() => this.finishing.delete(finished));
    return this.handle(run, finished);
  }

  /**
   * Holds one of `principal`'s concurrent-run slots while a start awaits its session; returns the release.
   * @throws `resource_exhausted` when active runs plus starts in progress reach the limit.
   */
  private reserveSlot(principal: string): () => void {
    const limit = this.deps.limits.maxConcurrentPerPrincipal;
    let used = this.starting.get(principal) ?? 0;
    for (const run of this.active.values()) if (run.owner.principal === principal) used += 1;
    if (used >= limit) throw new CoreError('resource_exhausted', `too many concurrent runs for ${principal} (limit ${limit}); wait for one to finish`);
    this.starting.set(principal, (this.starting.get(principal) ?? 0) + 1);
    return () => {
      const left = (this.starting.get(principal) ?? 1) - 1;
      if (left > 0) this.starting.set(principal, left);
      else this.starting.delete(principal);
    };
  }

  /**
   * The caller's run. `action` is the operation the lookup serves: its scope is the one checked.
   * @throws `not_found` (also for another owner's run), `invalid_argument`.
   */
  get(ctx: CallContext, runId: string, action: Action = 'runs.read'): RunRecord {
    return this.owned(ctx, action, runId);
  }

  /** The run if `ctx` may perform `action` on it. @throws `permission_denied` (scope), `not_found`, `invalid_argument`. */
  private owned(ctx: CallContext, action: Action, runId: string): RunRecord {
    this.deps.authorizer.authorize(ctx, action);
    requireCanonicalId(runId, 'run_id');
    return this.deps.authorizer.authorizeRecord(ctx, action, { kind: 'run', id: runId }, this.deps.store.getRun(runId));
  }

  /** The caller's runs (every owner's for admin), optionally of one session and in some states, keyset-paged by run id. */
  list(ctx: CallContext, input: { sessionId?: string; states?: readonly RunState[]; afterRunId?: string; limit?: number }) {
    this.deps.authorizer.authorize(ctx, 'runs.read');
    if (input.sessionId) this.deps.sessions.get(ctx, input.sessionId, 'runs.read');
    if (input.afterRunId && !isCanonicalId(input.afterRunId)) throw new CoreError('invalid_argument', 'after_run_id must be a canonical ULID');
    const limit = Math.min(input.limit && input.limit > 0 ? input.limit : 100, MAX_RUN_PAGE);
    const rows = this.deps.store.listRuns({
      // The same owner rule as `get`, so a listed run can always be opened.
      ...(isAdmin(ctx) ? {} : { owner: ownerOf(ctx) }),
      ...(input.sessionId ? { sessionId: input.sessionId } : {}),
      ...(input.states && input.states.length > 0 ? { states: input.states } : {}),
      ...(input.afterRunId ? { afterRunId: input.afterRunId } : {}),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { runs: page, nextAfterRunId: rows.length > limit ? (page.at(-1)?.runId ?? null) : null };
  }

  /** A page of the run's tape after `afterSeq` (-1 for the start). */
  readTape(ctx: CallContext, runId: string, afterSeq: number, limit: number): TapePage {
    this.get(ctx, runId);
    checkAfterSeq(afterSeq);
    return this.deps.tape.read(runId, afterSeq, Math.min(Math.max(limit, 1), MAX_TAPE_PAGE));
  }

  /** The highest seq on the run's tape (-1 before its first event). */
  lastSeq(ctx: CallContext, runId: string): number {
    this.get(ctx, runId);
    return this.deps.store.lastTapeSeq(runId);
  }

  /** Every event after `afterSeq`, replayed then live, until the run's final status. */
  watch(ctx: CallContext, runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<RunEvent> {
    this.get(ctx, runId);
    checkAfterSeq(afterSeq);
    // A watcher resuming past the final event of a finished run gets nothing more, instead of waiting.
    if (this.deps.tape.endsAtOrBefore(runId, afterSeq)) return noEvents();
    return this.deps.tape.follow(runId, afterSeq, signal);
  }

  /**
   * Requests cancellation of a live run; it stops within ~100 ms (state `cancelled`). Asking again while
   * it stops answers with the first request's reason. A finished run is immutable.
   * @throws `failed_precondition` (details `state`) when the run already finished, `not_found`,
   *   `permission_denied` (scope), `invalid_argument`.
   */
  cancel(ctx: CallContext, runId: string, reason?: string): { runId: string; cancelRequested: true; reason: string } {
    const record = this.owned(ctx, 'runs.cancel', runId);
    const run = this.active.get(runId);
    const state = run?.state ?? record.state;
    if (!run || isTerminal(state)) {
      throw new CoreError('failed_precondition', `run ${runId} already finished (${state}); a finished run cannot be cancelled`, { details: { state } });
    }
    this.requestCancel(run, (reason ?? '').trim().slice(0, 500) || 'cancel_requested');
    return { runId, cancelRequested: true, reason: run.cancelReason ?? '' };
  }

  /** Marks runs a crashed daemon left unfinished as failed (`daemon_restarted`). Call before serving. */
  async recover(): Promise<number> {
    const orphans = this.deps.store.listUnfinishedRuns();
    for (const record of orphans) {
      const at = this.deps.now();
      await this.deps.store.updateRun(record.runId, { state: 'failed', failureReason: 'daemon_restarted', lastError: 'the daemon restarted while the run was in flight', finishedAtMs: at, updatedAtMs: at });
      await this.deps.tape.append(record.runId, 'status', { kind: 'failed', message: 'daemon_restarted' });
      await this.deps.journal.append({ kind: 'run.failed', actor: 'system', ...journalIdentity(record), sessionId: record.sessionId, runId: record.runId, payload: { reason: 'daemon_restarted' } });
    }
    return orphans.length;
  }

  /** Stops accepting runs, cancels the live ones and waits until each reached its final state. */
  async shutdown(reason = 'daemon_shutdown'): Promise<void> {
    this.accepting = false;
    for (const run of this.active.values()) this.requestCancel(run, reason);
    await Promise.allSettled([...this.finishing]);
  }

  get modelName(): string {
    return this.deps.model.name;
  }

  get activeCount(): number {
    return this.active.size;
  }

  private handle(run: ActiveRun, finished: Promise<{ record: RunRecord; error: CoreError | null }>): RunHandle {
    return {
      runId: run.runId,
      sessionId: run.sessionId,
      submit: (text) => {
        this.checkPrompt(text);
        run.push({ kind: 'turn', text });
      },
      close: () => {
        if (!run.closed) run.push({ kind: 'close' });
      },
      answerApproval: (answer) => this.answerApproval(run, answer),
      cancel: (reason) => this.requestCancel(run, reason ?? 'cancel_requested'),
      events: (afterSeq, signal) => this.deps.tape.follow(run.runId, afterSeq, signal),
      record: () => this.deps.store.getRun(run.runId) as RunRecord,
      fail: (error) => {
        if (run.cancelReason === null && !isTerminal(run.state)) run.abort(error);
      },
      finished,
    };
  }

  private async answerApproval(run: ActiveRun, answer: ApprovalAnswer): Promise<void> {
    const approvalId = run.pendingApprovals.get(answer.proposalId);
    if (!approvalId) throw new CoreError('failed_precondition', `no approval is pending for proposal ${answer.proposalId}`);
    if (answer.approvalId && answer.approvalId !== approvalId) {
      throw new CoreError('invalid_argument', `approval_id ${answer.approvalId} does not belong to proposal ${answer.proposalId}`);
    }
    const ctx = { ...run.owner, scopes: ['*'], credential: 'internal' as const, requestId: newId(), signal: run.signal };
    await this.deps.approvals.decide(ctx, approvalId, {
      approved: answer.approved,
      ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
      ...(answer.scope !== undefined ? { scope: answer.scope } : {}),
      ...(answer.ttlMs !== undefined ? { ttlMs: answer.ttlMs } : {}),
    });
  }

  private requestCancel(run: ActiveRun, reason: string): void {
    if (run.cancelReason !== null || isTerminal(run.state)) return;
    run.cancelReason = reason;
    run.abort(new CoreError('cancelled', 'cancelled by request'));
    void this.deps.store.updateRun(run.runId, { cancelRequested: true, cancelReason: reason, updatedAtMs: this.deps.now() });
  }

  /** The run's worker: turns until closed, then DONE; any error ends it as failed or cancelled. */
  private async drive(run: ActiveRun): Promise<{ record: RunRecord; error: CoreError | null }> {
    let error: CoreError | null = null;
    try {
      for (;;) {
        const input = await run.next();
        if (input.kind === 'close') break;
        if (CANCEL_COMMANDS.has(input.text.trim().toLowerCase())) {
          this.requestCancel(run, 'stream_cancel_command');
          run.signal.throwIfAborted();
        }
        if (run.state === 'accepted') {
          await this.moveTo(run, 'in_progress');
          await this.emitStatus(run, 'in_progress', 'streaming');
        }
        await this.runTurnWithBudget(run, input.text);
      }
      await this.finish(run, 'done', null);
    } catch (thrown) {
      error = run.cancelReason !== null ? new CoreError('cancelled', 'cancelled by request') : toCoreError(run.signal.aborted ? (run.signal.reason ?? thrown) : thrown);
      await this.finish(run, error.code === 'cancelled' ? 'cancelled' : 'failed', error).catch(() => undefined);
    } finally {
      this.active.delete(run.runId);
    }
    return { record: this.deps.store.getRun(run.runId) as RunRecord, error };
  }

  private async runTurnWithBudget(run: ActiveRun, text: string): Promise<void> {
    const timer = setTimeout(() => {
      run.abort(new CoreError('deadline_exceeded', 'agent loop wall-clock budget exhausted', { details: { reason: 'wall_clock' } }));
    }, this.deps.limits.wallClockMs);
    try {
      await runAgentTurn(this.deps, run, text);
    } finally {
      clearTimeout(timer);
    }
  }

  private async finish(run: ActiveRun, state: Extract<RunState, 'done' | 'failed' | 'cancelled'>, error: CoreError | null): Promise<void> {
    await this.moveTo(run, state, error);
    const ids = { ...journalIdentity(run.owner), sessionId: run.sessionId, runId: run.runId };
    if (state === 'done') {
      await this.emitStatus(run, 'done', 'completed');
      await this.deps.journal.append({ kind: 'run.completed', actor: 'system', ...ids, payload: { prompt_tokens: run.promptTokens, completion_tokens: run.completionTokens } });
    } else if (state === 'cancelled') {
      await this.emitStatus(run, 'failed', 'cancelled by request');
      await this.deps.journal.append({ kind: 'run.cancelled', actor: 'system', ...ids, payload: { reason: run.cancelReason } });
    } else {
      await this.emitStatus(run, 'failed', error?.message ?? 'failed');
      await this.deps.journal.append({ kind: 'run.failed', actor: 'system', ...ids, payload: { code: error?.code, message: error?.message } });
    }
  }

  private async moveTo(run: ActiveRun, state: RunState, error: CoreError | null = null): Promise<void> {
    run.state = transition(run.state, state);
    const at = this.deps.now();
    await this.deps.store.updateRun(run.runId, {
      state,
      updatedAtMs: at,
      promptTokens: run.promptTokens,
      completionTokens: run.completionTokens,
      ...(isTerminal(state) ? { finishedAtMs: at } : {}),
      ...(state === 'cancelled' ? { lastError: 'cancelled by request', cancelRequested: true, cancelReason: run.cancelReason } : {}),
      ...(state === 'failed' && error ? { lastError: error.message, failureReason: failureReason(error) } : {}),
    });
  }

  private emitStatus(run: ActiveRun, kind: StatusKind, message: string): Promise<unknown> {
    return run.emit('status', { kind, message });
  }

  private checkPrompt(text: unknown): void {
    if (typeof text !== 'string' || text.trim() === '') throw new CoreError('invalid_argument', 'input text is required');
    if (Buffer.byteLength(text, 'utf8') > this.deps.limits.maxInputBytes) {
      throw new CoreError('out_of_range', `input text exceeds ${this.deps.limits.maxInputBytes} bytes`);
    }
  }
}

async function* noEvents(): AsyncGenerator<RunEvent> {}

function checkAfterSeq(afterSeq: number): void {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < -1) throw new CoreError('invalid_argument', 'after_seq must be an integer ≥ -1');
}

function failureReason(error: CoreError): string {
  const reason = error.details.reason;
  if (typeof reason === 'string') return reason;
  return error.code === 'internal' ? 'internal' : `${error.code}`;
}
