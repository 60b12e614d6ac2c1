// SessionService: resolve/create, list and archive sessions owned by (principal, device id, channel).
import { randomBytes } from 'node:crypto';
import { type Action, type Authorizer, notFound, ownerOf } from '../auth/authorize.js';
import type { CallContext } from '../context.js';
import { CoreError } from '../errors.js';
import { isCanonicalId, newId, requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import type { SessionRecord, SessionStore } from './store.js';

export const MAX_SESSION_PAGE = 500;
const SESSION_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ResolveSessionInput {
  sessionId?: string;
  sessionKey?: string;
  label?: string;
  /** Fail with not_found instead of creating. */
  requireExisting?: boolean;
  /** Forget what the session remembered (approval decisions) before returning it. */
  reset?: boolean;
}

export interface ResolveSessionResult {
  session: SessionRecord;
  created: boolean;
  resetApplied: boolean;
}

export interface ListSessionsInput {
  afterSessionId?: string;
  /** Text the session key or label contains, case-insensitively (for ASCII letters); at most 200 characters. */
  query?: string;
  limit?: number;
  includeArchived?: boolean;
}

export interface CleanupSessionResult {
  session: SessionRecord;
  newlyArchived: boolean;
  previousSessionKey: string;
  runCount: number;
}

/** Listeners told when a session is reset or archived (approval caches keyed by session forget it). */
export type SessionForgetListener = (sessionId: string) => void;

export class SessionService {
  private readonly forgetListeners: SessionForgetListener[] = [];

  constructor(
    private readonly store: SessionStore,
    private readonly authorizer: Authorizer,
    private readonly journal: Journal,
    private readonly now: () => number = Date.now,
  ) {}

  onForget(listener: SessionForgetListener): void {
    this.forgetListeners.push(listener);
  }

  /**
   * Returns the caller's session by id or key, creating it when absent (unless `requireExisting`).
   * Ids and keys are global: another owner's is answered `not_found`, as an unknown one is with
   * `requireExisting`, and cannot be created.
   * @throws `not_found`, `failed_precondition` for an archived session, `invalid_argument` for
   *   malformed ids or keys.
   */
  async resolve(ctx: CallContext, input: ResolveSessionInput, action: Action = 'sessions.write'): Promise<ResolveSessionResult> {
    this.authorizer.authorize(ctx, action);
    if (input.sessionId !== undefined && input.sessionId !== '') requireCanonicalId(input.sessionId, 'session_id');
    if (input.sessionKey !== undefined && input.sessionKey !== '' && !SESSION_KEY_PATTERN.test(input.sessionKey)) {
      throw new CoreError('invalid_argument', 'session_key must be 1-128 characters of [A-Za-z0-9._:-]');
    }
    if (input.label !== undefined && input.label.length > 200) {
      throw new CoreError('invalid_argument', 'session_label must be at most 200 characters');
    }
    const ref = input.sessionId || input.sessionKey;
    const found = input.sessionId ? this.store.getSession(input.sessionId) : input.sessionKey ? this.store.getSessionByKey(input.sessionKey) : undefined;
    if (found && ref) {
      const existing = this.authorizer.authorizeRecord(ctx, action, { kind: 'session', id: ref }, found);
      if (existing.archivedAtMs !== null) {
        throw new CoreError('failed_precondition', `session ${existing.sessionId} is archived; start a new session`);
      }
      if (input.reset) for (const listener of this.forgetListeners) listener(existing.sessionId);
      return { session: existing, created: false, resetApplied: input.reset === true };
    }
    if (input.requireExisting) throw notFound({ kind: 'session', id: ref ?? '(no id or key given)' });
    const at = this.now();
    const sessionId = input.sessionId || newId();
    const session: SessionRecord = {
      sessionId,
      sessionKey: input.sessionKey || `session:${sessionId}`,
      label: input.label ?? null,
      ...ownerOf(ctx),
      createdAtMs: at,
      updatedAtMs: at,
      archivedAtMs: null,
      lastRunId: null,
    };
    try {
      this.store.insertSession(session);
    } catch (cause) {
      throw new CoreError('already_exists', 'a session with this id or key already exists', { cause });
    }
    await this.journal.append({
      kind: 'session.created',
      actor: 'system',
      ...journalIdentity(ctx),
      sessionId,
      payload: { session_key: session.sessionKey },
    });
    return { session, created: true, resetApplied: false };
  }

  /** @throws `not_found` (also for another owner's session, so ids do not leak), `invalid_argument`. */
  get(ctx: CallContext, sessionId: string, action: Action = 'sessions.read'): SessionRecord {
    return this.owned(ctx, action, sessionId);
  }

  /** The session if `ctx` may perform `action` on it. @throws `permission_denied` (scope), `not_found`, `invalid_argument`. */
  private owned(ctx: CallContext, action: Action, sessionId: string): SessionRecord {
    this.authorizer.authorize(ctx, action);
    requireCanonicalId(sessionId, 'session_id');
    return this.authorizer.authorizeRecord(ctx, action, { kind: 'session', id: sessionId }, this.store.getSession(sessionId));
  }

  /** The caller's sessions (every owner's for admin), keyset-paged by session id. */
  list(ctx: CallContext, input: ListSessionsInput): { sessions: SessionRecord[]; nextAfterSessionId: string | null } {
    this.authorizer.authorize(ctx, 'sessions.read');
    const limit = clampLimit(input.limit);
    if (input.afterSessionId && !isCanonicalId(input.afterSessionId)) {
      throw new CoreError('invalid_argument', 'after_session_id must be a canonical ULID');
    }
    const query = input.query?.trim().toLowerCase() ?? '';
    if (query.length > 200) throw new CoreError('invalid_argument', 'the session search text must be at most 200 characters');
    const sessions = this.store.listSessions({
      ...(ctx.principal.startsWith('admin:') ? {} : { owner: ownerOf(ctx) }),
      ...(input.afterSessionId ? { afterSessionId: input.afterSessionId } : {}),
      ...(query ? { query } : {}),
      includeArchived: input.includeArchived ?? false,
      limit: limit + 1,
    });
    const hasMore = sessions.length > limit;
    const page = hasMore ? sessions.slice(0, limit) : sessions;
    return { sessions: page, nextAfterSessionId: hasMore ? (page.at(-1)?.sessionId ?? null) : null };
  }

  /** Archives the session and rotates its key; archiving twice reports `newlyArchived: false`. */
  async cleanup(ctx: CallContext, sessionId: string): Promise<CleanupSessionResult> {
    const session = this.owned(ctx, 'sessions.write', sessionId);
    const runCount = this.store.countRuns(sessionId);
    if (session.archivedAtMs !== null) {
      return { session, newlyArchived: false, previousSessionKey: session.sessionKey, runCount };
    }
    const at = this.now();
    const newKey = `archived:${session.sessionId}:${randomBytes(6).toString('hex')}`;
    this.store.archiveSession(sessionId, newKey, at);
    for (const listener of this.forgetListeners) listener(sessionId);
    await this.journal.append({
      kind: 'session.cleaned',
      actor: 'user',
      ...journalIdentity(ctx),
      sessionId,
      payload: { previous_session_key: session.sessionKey, run_count: runCount },
    });
    const archived = this.store.getSession(sessionId) as SessionRecord;
    return { session: archived, newlyArchived: true, previousSessionKey: session.sessionKey, runCount };
  }

  /** Records the latest run of a session (called by the run engine). */
  touch(sessionId: string, runId: string): void {
    this.store.touchSession(sessionId, runId, this.now());
  }
}

export function journalIdentity(ctx: Pick<CallContext, 'principal' | 'deviceId' | 'channel'>) {
  return { principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || limit <= 0) return 100;
  return Math.min(limit, MAX_SESSION_PAGE);
}
