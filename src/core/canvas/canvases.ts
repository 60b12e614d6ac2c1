// CanvasService: canvases of a session — create, update (full state or JSON Patch), close, read, watch, tokens.
import { type Action, type Authorizer, notFound } from '../auth/authorize.js';
import { type CallContext, principalKind } from '../context.js';
import { CoreError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { newId, requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import type { RunService } from '../runs/runs.js';
import { journalIdentity, type SessionService } from '../sessions/sessions.js';
import { type CanvasLimits, checkBundle, checkTitle, encodeState, UpdateRateLimiter } from './canvas-limits.js';
import type { CanvasTokenClaims, CanvasTokens } from './canvas-tokens.js';
import { type CanvasVersion, isReadOnly, versionOf } from './canvas-version.js';
import { applyJsonPatch } from './json-patch.js';
import type { CanvasAsset, CanvasRecord, CanvasStore } from './store.js';

/** Versions a slow watcher may have queued; beyond, it skips to the newest (each version is a full state). */
const MAX_QUEUED_VERSIONS = 256;
export const DEFAULT_CANVAS_TOKEN_TTL_MS = 15 * 60 * 1000;
const MAX_CANVAS_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export interface CreateCanvasInput {
  sessionId: string;
  title: string;
  state: unknown;
  assets?: readonly CanvasAsset[];
  lifetimeMs?: number;
}

/** A person's input in a canvas: which control they used and the values of the canvas's inputs. */
export interface CanvasInteraction {
  version: number;
  /** The id of the button pressed (`[A-Za-z0-9_.-]{1,64}`). */
  action: string;
  values: Record<string, string>;
}

const ACTION_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_INTERACTION_VALUES = 32;
const MAX_INTERACTION_VALUE_CHARS = 4000;

export interface CanvasServiceDeps {
  store: CanvasStore;
  sessions: SessionService;
  /** Interactions reach the agent as a run in the canvas's session. */
  runs: Pick<RunService, 'start'>;
  authorizer: Authorizer;
  journal: Journal;
  bus: EventBus<CanvasVersion>;
  tokens: CanvasTokens;
  limits: CanvasLimits;
  tokenTtlMs: number;
  now: () => number;
}

export class CanvasService {
  private readonly rate: UpdateRateLimiter;

  constructor(private readonly deps: CanvasServiceDeps) {
    this.rate = new UpdateRateLimiter(deps.limits.maxUpdatesPerMinute, deps.now);
  }

  /**
   * A new canvas (version 1) in one of the caller's sessions; it belongs to the session's owner.
   * @throws `not_found` (unknown or foreign session), `failed_precondition` (archived session),
   *   `invalid_argument`, `resource_exhausted` (state or bundle over the limits).
   */
  async create(ctx: CallContext, input: CreateCanvasInput): Promise<CanvasRecord> {
    this.deps.authorizer.authorize(ctx, 'canvas.write');
    const session = this.deps.sessions.get(ctx, requireCanonicalId(input.sessionId, 'session_id'), 'canvas.write');
    if (session.archivedAtMs !== null) throw new CoreError('failed_precondition', `session ${session.sessionId} is archived`);
    const title = checkTitle(input.title);
    const stateJson = encodeState(input.state, this.deps.limits);
    const assets = input.assets ?? [];
    checkBundle(assets, this.deps.limits);
    const lifetimeMs = input.lifetimeMs ?? this.deps.limits.defaultLifetimeMs;
    if (!Number.isSafeInteger(lifetimeMs) || lifetimeMs < 1000 || lifetimeMs > this.deps.limits.maxLifetimeMs) {
      throw new CoreError('invalid_argument', `lifetime_ms must be between 1000 and ${this.deps.limits.maxLifetimeMs}`);
    }
    const at = this.deps.now();
    const record: CanvasRecord = {
      canvasId: newId(),
      sessionId: session.sessionId,
      principal: session.principal,
      deviceId: session.deviceId,
      channel: session.channel,
      title,
      stateJson,
      version: 1,
      createdAtMs: at,
      updatedAtMs: at,
      expiresAtMs: at + lifetimeMs,
      closedAtMs: null,
    };
    this.deps.store.insertCanvas(record, assets);
    await this.journalChange(ctx, 'canvas.created', record, { title, asset_count: assets.length, expires_at_ms: record.expiresAtMs });
    return record;
  }

  /**
   * Replaces the state. With `expectedVersion`, only if the canvas is still at that version.
   * @throws `aborted` (details `currentVersion`) on a version conflict, `failed_precondition` (closed or
   *   expired), `resource_exhausted` (size or update rate), `not_found`, `invalid_argument`.
   */
  update(ctx: CallContext, canvasId: string, input: { state: unknown; expectedVersion?: number }): Promise<CanvasRecord> {
    return this.change(ctx, canvasId, input.expectedVersion, () => encodeState(input.state, this.deps.limits));
  }

  /** Applies an RFC 6902 patch to the state, atomically; same rules and errors as `update`. */
  patch(ctx: CallContext, canvasId: string, input: { patch: unknown; expectedVersion?: number }): Promise<CanvasRecord> {
    return this.change(ctx, canvasId, input.expectedVersion, (current) => encodeState(applyJsonPatch(JSON.parse(current.stateJson) as Record<string, unknown>, input.patch), this.deps.limits));
  }

  /** Closes the canvas (a last version, read-only from then on); closing a closed canvas changes nothing. */
  async close(ctx: CallContext, canvasId: string): Promise<CanvasRecord> {
    const record = this.owned(ctx, 'canvas.write', canvasId);
    if (record.closedAtMs !== null) return record;
    this.deps.store.closeCanvas(canvasId, this.deps.now());
    const closed = this.deps.store.getCanvas(canvasId) as CanvasRecord;
    this.rate.forget(canvasId);
    await this.journalChange(ctx, 'canvas.closed', closed, {});
    return closed;
  }

  /** @throws `not_found` (also for another owner's canvas), `invalid_argument`. */
  get(ctx: CallContext, canvasId: string): CanvasRecord {
    return this.owned(ctx, 'canvas.read', canvasId);
  }

  /** The canvases of one of the caller's sessions, oldest first. */
  list(ctx: CallContext, sessionId: string): CanvasRecord[] {
    this.deps.authorizer.authorize(ctx, 'canvas.read');
    this.deps.sessions.get(ctx, requireCanonicalId(sessionId, 'session_id'), 'canvas.read');
    return this.deps.store.listBySession(sessionId);
  }

  /** The asset paths of the canvas's bundle. */
  listAssets(ctx: CallContext, canvasId: string): { path: string; contentType: string; size: number }[] {
    this.owned(ctx, 'canvas.read', canvasId);
    return this.deps.store.listAssets(canvasId);
  }

  /** The canvas's versions after `afterVersion` (the current one first if newer), then live ones, until it closes. */
  watch(ctx: CallContext, canvasId: string, afterVersion: number, signal: AbortSignal): AsyncGenerator<CanvasVersion> {
    this.owned(ctx, 'canvas.read', canvasId);
    return this.follow(canvasId, checkAfterVersion(afterVersion), signal);
  }

  /**
   * A viewing token for the caller, bound to the canvas, the caller's principal and the canvas's session.
   * Asking again renews it. @throws `not_found`, `invalid_argument` (ttl).
   */
  mintToken(ctx: CallContext, canvasId: string, ttlMs: number = this.deps.tokenTtlMs): { token: string; expiresAtMs: number; canvas: CanvasRecord } {
    const canvas = this.owned(ctx, 'canvas.read', canvasId);
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1000 || ttlMs > MAX_CANVAS_TOKEN_TTL_MS) throw new CoreError('invalid_argument', `token ttl_ms must be between 1000 and ${MAX_CANVAS_TOKEN_TTL_MS}`);
    return { ...this.deps.tokens.mint({ canvasId, principal: ctx.principal, sessionId: canvas.sessionId }, ttlMs), canvas };
  }

  /**
   * Hands a person's input in the canvas to the agent: a run in the canvas's session whose user message
   * is one line, `canvas_event <json>` with canvas_id, title, version, action and values.
   * @throws `failed_precondition` (closed or expired canvas), `invalid_argument`, `not_found`, and `runs.start`'s errors.
   */
  async interact(ctx: CallContext, canvasId: string, input: CanvasInteraction): Promise<{ runId: string; sessionId: string }> {
    const canvas = this.owned(ctx, 'canvas.read', canvasId);
    if (isReadOnly(canvas, this.deps.now())) throw new CoreError('failed_precondition', `canvas ${canvasId} is closed; it takes no more input`);
    if (!ACTION_ID.test(input.action)) throw new CoreError('invalid_argument', 'action must be 1-64 characters of [A-Za-z0-9_.-]');
    const entries = Object.entries(input.values);
    if (entries.length > MAX_INTERACTION_VALUES) throw new CoreError('invalid_argument', `at most ${MAX_INTERACTION_VALUES} values`);
    for (const [name, value] of entries) {
      if (!ACTION_ID.test(name) || typeof value !== 'string' || value.length > MAX_INTERACTION_VALUE_CHARS) {
        throw new CoreError('invalid_argument', `values: names of [A-Za-z0-9_.-]{1,64}, strings of at most ${MAX_INTERACTION_VALUE_CHARS} characters`);
      }
    }
    const event = { canvas_id: canvasId, title: canvas.title, version: input.version, action: input.action, values: Object.fromEntries(entries) };
    const handle = await this.deps.runs.start(ctx, { sessionId: canvas.sessionId, requireExistingSession: true, prompt: `canvas_event ${JSON.stringify(event)}`, closeAfterPrompt: true });
    return { runId: handle.runId, sessionId: handle.sessionId };
  }

  /** Replaces the token signing key: every canvas token issued so far stops working. */
  async rotateTokenKey(ctx: CallContext): Promise<void> {
    this.deps.authorizer.authorize(ctx, 'canvas.rotate_key');
    this.deps.tokens.rotateKey();
    await this.deps.journal.append({ kind: 'canvas.token_key_rotated', actor: 'user', ...journalIdentity(ctx), payload: {} });
  }

  /**
   * The canvas a token opens: it must be this daemon's, unexpired, for this canvas id, of a principal
   * that may see it (the owner or an admin) and of the canvas's session. Every refusal is the same
   * `permission_denied` and reveals nothing about the canvas.
   * @throws `invalid_argument` (malformed token or id), `permission_denied`.
   */
  viewWithToken(token: string, canvasId: string): CanvasRecord {
    return this.openWithToken(token, canvasId).record;
  }

  /**
   * `watch` for a token holder, ending when the token runs out: a stream outliving its token would let a
   * lapsed (or rotated-away) grant see every later version. The console renews the token before then.
   */
  watchWithToken(token: string, canvasId: string, afterVersion: number, signal: AbortSignal): AsyncGenerator<CanvasVersion> {
    const { claims } = this.openWithToken(token, canvasId);
    const lapse = AbortSignal.timeout(Math.max(0, claims.expiresAtMs - this.deps.now()));
    return this.follow(canvasId, checkAfterVersion(afterVersion), AbortSignal.any([signal, lapse]));
  }

  private openWithToken(token: string, canvasId: string): { record: CanvasRecord; claims: CanvasTokenClaims } {
    requireCanonicalId(canvasId, 'canvas_id');
    const claims = this.deps.tokens.verify(token);
    const record = claims.canvasId === canvasId ? this.deps.store.getCanvas(canvasId) : undefined;
    const mayView = record !== undefined && record.sessionId === claims.sessionId && (claims.principal === record.principal || principalKind(claims.principal) === 'admin');
    if (!mayView) throw new CoreError('permission_denied', 'the canvas token does not open this canvas');
    return { record, claims };
  }

  /** One asset of the bundle for a token holder. @throws `not_found` for a path the bundle does not hold. */
  assetWithToken(token: string, canvasId: string, path: string): CanvasAsset {
    this.viewWithToken(token, canvasId);
    const asset = this.deps.store.getAsset(canvasId, path);
    if (!asset) throw new CoreError('not_found', 'no such asset in the canvas bundle');
    return asset;
  }

  versionOf(record: CanvasRecord): CanvasVersion {
    return versionOf(record, this.deps.now());
  }

  private async change(ctx: CallContext, canvasId: string, expectedVersion: number | undefined, nextState: (current: CanvasRecord) => string): Promise<CanvasRecord> {
    const current = this.owned(ctx, 'canvas.write', canvasId);
    if (isReadOnly(current, this.deps.now())) {
      throw new CoreError('failed_precondition', `canvas ${canvasId} is ${current.closedAtMs !== null ? 'closed' : 'expired'}; it can no longer change`);
    }
    if (expectedVersion !== undefined) {
      if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 1) throw new CoreError('invalid_argument', 'expected_version must be an integer ≥ 1');
      if (expectedVersion !== current.version) throw conflict(canvasId, expectedVersion, current.version);
    }
    const stateJson = nextState(current);
    this.rate.take(canvasId);
    const at = this.deps.now();
    // Nothing awaited since the read: no other change of this process can come in between.
    if (!this.deps.store.updateState(canvasId, current.version, stateJson, at)) throw conflict(canvasId, current.version, current.version + 1);
    const updated: CanvasRecord = { ...current, stateJson, version: current.version + 1, updatedAtMs: at };
    await this.journalChange(ctx, 'canvas.updated', updated, { state_bytes: Buffer.byteLength(stateJson, 'utf8') });
    return updated;
  }

  /** Publishes the new version to watchers, then journals it. */
  private async journalChange(ctx: CallContext, kind: 'canvas.created' | 'canvas.updated' | 'canvas.closed', record: CanvasRecord, payload: Record<string, unknown>): Promise<void> {
    this.deps.bus.publish(record.canvasId, versionOf(record, this.deps.now()));
    await this.deps.journal.append({
      kind,
      actor: principalKind(ctx.principal) === 'system' ? 'system' : 'user',
      ...journalIdentity(ctx),
      sessionId: record.sessionId,
      payload: { canvas_id: record.canvasId, version: record.version, ...payload },
    });
  }

  private owned(ctx: CallContext, action: Action, canvasId: string): CanvasRecord {
    this.deps.authorizer.authorize(ctx, action);
    requireCanonicalId(canvasId, 'canvas_id');
    return this.deps.authorizer.authorizeRecord(ctx, action, { kind: 'canvas', id: canvasId }, this.deps.store.getCanvas(canvasId));
  }

  private async *follow(canvasId: string, afterVersion: number, signal: AbortSignal): AsyncGenerator<CanvasVersion> {
    const queue: CanvasVersion[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.deps.bus.subscribe(canvasId, (version) => {
      queue.push(version);
      if (queue.length > MAX_QUEUED_VERSIONS) queue.splice(0, queue.length - 1);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      let cursor = afterVersion;
      const record = this.deps.store.getCanvas(canvasId);
      if (!record) throw notFound({ kind: 'canvas', id: canvasId });
      const current = this.versionOf(record);
      if (current.version > cursor) yield current;
      if (current.closed) return;
      cursor = Math.max(cursor, current.version);
      for (;;) {
        for (let next = queue.shift(); next; next = queue.shift()) {
          if (next.version <= cursor) continue;
          yield next;
          cursor = next.version;
          if (next.closed) return;
        }
        if (signal.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
  }
}

/** `afterVersion` 0 replays the current version. */
function checkAfterVersion(afterVersion: number): number {
  if (!Number.isSafeInteger(afterVersion) || afterVersion < 0) throw new CoreError('invalid_argument', 'after_version must be an integer ≥ 0');
  return afterVersion;
}

function conflict(canvasId: string, expected: number, current: number): CoreError {
  return new CoreError('aborted', `canvas ${canvasId} is at version ${current}, not ${expected}; read it again and retry`, {
    details: { reason: 'version_conflict', currentVersion: current },
  });
}
