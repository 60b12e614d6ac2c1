// BrowserSessions: the daemon's view of browser sessions (owner, current page, action log, screenshots) over a BrowserPort.
import { createHash } from 'node:crypto';
import { type Authorizer, type Owner, ownerOf } from '../auth/authorize.js';
import type { CallContext } from '../context.js';
import { CoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { ArtifactKind, ArtifactRecord, ArtifactStore } from './artifact-store.js';
import type { BrowserMessage, BrowserMethod, BrowserPort, BrowserStatus } from './browser-port.js';

export interface BrowserActionEntry {
  at_ms: number;
  action: BrowserMethod;
  /** The URL or selector acted on, when there is one. */
  target: string;
  success: boolean;
  error: string;
  artifact_id: string | null;
}

export interface BrowserSessionRecord extends Owner {
  browserSessionId: string;
  chatSessionId: string | null;
  runId: string | null;
  createdAtMs: number;
  /** open; closed by a caller; lost when the service process that held it died. */
  state: 'open' | 'closed' | 'lost';
  currentUrl: string | null;
  latestScreenshotId: string | null;
  actions: BrowserActionEntry[];
  generation: number;
}

/** Who acts, and in which chat session and run (tools); operators act with none. */
export interface BrowserCaller {
  owner: Owner;
  chatSessionId: string | null;
  runId: string | null;
  signal: AbortSignal;
}

const MAX_ACTIONS_KEPT = 200;
const MAX_SESSIONS_KEPT = 1_000;
const CALL_TIMEOUT_MS = 30_000;
// Fields of a response holding the page the session is now on.
const URL_FIELDS = ['final_url', 'page_url'] as const;
const ARTIFACT_FIELDS: Partial<Record<BrowserMethod, { field: string; kind: ArtifactKind; mime: string }>> = {
  screenshot: { field: 'image_bytes', kind: 'screenshot', mime: 'image/png' },
  exportPdf: { field: 'pdf_bytes', kind: 'pdf', mime: 'application/pdf' },
};

/**
 * Every browser call of the daemon goes through here: it supplies the caller's current session when a
 * request names none (created on first use, one per chat session), records each action, follows the
 * page URL for per-site approvals, and turns screenshot and PDF bytes into stored artifacts.
 */
export class BrowserSessions {
  readonly #port: BrowserPort;
  readonly #artifacts: ArtifactStore;
  readonly #authorizer: Authorizer;
  readonly #now: () => number;
  readonly #sessions = new Map<string, BrowserSessionRecord>();
  readonly #currentByChat = new Map<string, string>();

  constructor(port: BrowserPort, artifacts: ArtifactStore, authorizer: Authorizer, now: () => number) {
    this.#port = port;
    this.#artifacts = artifacts;
    this.#authorizer = authorizer;
    this.#now = now;
  }

  status(): BrowserStatus {
    return this.#port.status();
  }

  /** The origin of the page a chat session's browser is on (null before any navigation). */
  currentSite(chatSessionId: string, browserSessionId?: string): string | null {
    const id = browserSessionId ?? this.#currentByChat.get(chatSessionId);
    const url = id ? this.#sessions.get(id)?.currentUrl : null;
    return url ? siteOf(url) : null;
  }

  /**
   * Runs one browser method for `caller`. Without a `session_id`, uses the chat session's current
   * browser session, creating it first. `createSession` makes the new session current.
   * @throws CoreError from the port (browserd refusal, service down), or `not_found` for a session
   *   the caller does not own.
   */
  async invoke(caller: BrowserCaller, method: BrowserMethod, request: BrowserMessage): Promise<BrowserMessage> {
    if (method === 'createSession') return this.#create(caller, request);
    const sessionId = typeof request['session_id'] === 'string' ? request['session_id'] : await this.#currentOrNew(caller);
    const record = this.#owned(caller.owner, sessionId);
    const target = String(request['url'] ?? request['selector'] ?? request['key'] ?? request['text'] ?? '');
    try {
      const response = await this.#port.call(method, { ...request, session_id: sessionId }, { principal: caller.owner.principal, signal: caller.signal, timeoutMs: CALL_TIMEOUT_MS });
      const artifactId = this.#keepArtifact(record, method, response);
      this.#follow(record, method, response);
      const success = response['success'] !== false;
      this.#log(record, { at_ms: this.#now(), action: method, target, success, error: String(response['error'] ?? ''), artifact_id: artifactId });
      return { ...response, session_id: sessionId, ...(artifactId ? { artifact_id: artifactId } : {}) };
    } catch (error) {
      const message = error instanceof CoreError ? `${error.code}: ${error.message}` : 'internal error';
      this.#log(record, { at_ms: this.#now(), action: method, target, success: false, error: message, artifact_id: null });
      if (error instanceof CoreError && error.code === 'not_found') record.state = 'lost';
      throw error;
    }
  }

  /** Browser sessions the caller owns (all of them for an admin), newest first. */
  list(ctx: CallContext): BrowserSessionRecord[] {
    this.#authorizer.authorize(ctx, 'browser.read');
    const generation = this.#port.status().generation;
    const visible = [...this.#sessions.values()].filter((record) => this.#canSee(ctx, record));
    return visible.map((record) => this.#refreshed(record, generation)).sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  /** @throws CoreError `not_found` for an unknown session or another owner's. */
  get(ctx: CallContext, browserSessionId: string): BrowserSessionRecord {
    this.#authorizer.authorize(ctx, 'browser.read');
    const record = this.#authorizer.authorizeRecord(ctx, 'browser.read', { kind: 'browser_session', id: browserSessionId }, this.#sessions.get(browserSessionId));
    return this.#refreshed(record, this.#port.status().generation);
  }

  /** Opens a session for an operator (owned by the caller), loading `url` when given. No approval: the operator is the human. */
  async open(ctx: CallContext, url?: string): Promise<BrowserSessionRecord> {
    this.#authorizer.authorize(ctx, 'browser.write');
    const caller: BrowserCaller = { owner: ownerOf(ctx), chatSessionId: null, runId: null, signal: ctx.signal };
    const created = await this.#create(caller, {});
    const record = this.#sessions.get(String(created['session_id'])) as BrowserSessionRecord;
    if (url !== undefined) await this.invoke(caller, 'navigate', { session_id: record.browserSessionId, url, allow_redirects: true });
    return record;
  }

  /**
   * Runs one method on a session for an operator, as the session's owner (an admin may act on any).
   * @throws CoreError `not_found` for an unknown session or another owner's, or what the service answers.
   */
  async operate(ctx: CallContext, browserSessionId: string, method: BrowserMethod, request: BrowserMessage): Promise<BrowserMessage> {
    this.#authorizer.authorize(ctx, 'browser.write');
    const record = this.#authorizer.authorizeRecord(ctx, 'browser.write', { kind: 'browser_session', id: browserSessionId }, this.#sessions.get(browserSessionId));
    const owner = { principal: record.principal, deviceId: record.deviceId, channel: record.channel };
    return this.invoke({ owner, chatSessionId: null, runId: null, signal: ctx.signal }, method, { ...request, session_id: browserSessionId });
  }

  /** Closes a session on the service (a lost one is only marked closed). */
  async close(ctx: CallContext, browserSessionId: string): Promise<BrowserSessionRecord> {
    this.#authorizer.authorize(ctx, 'browser.write');
    const record = this.#authorizer.authorizeRecord(ctx, 'browser.write', { kind: 'browser_session', id: browserSessionId }, this.#sessions.get(browserSessionId));
    this.#refreshed(record, this.#port.status().generation);
    if (record.state === 'open') {
      await this.#port.call('closeSession', { session_id: browserSessionId }, { principal: record.principal, signal: ctx.signal, timeoutMs: CALL_TIMEOUT_MS }).catch((error: unknown) => {
        if (!(error instanceof CoreError && error.code === 'not_found')) throw error;
      });
    }
    this.#markClosed(record);
    return record;
  }

  /** An artifact's record and bytes. @throws CoreError `not_found` for an unknown artifact or another owner's. */
  artifact(ctx: CallContext, artifactId: string): { record: ArtifactRecord; content: Buffer } {
    this.#authorizer.authorize(ctx, 'browser.read');
    const record = this.#authorizer.authorizeRecord(ctx, 'browser.read', { kind: 'artifact', id: artifactId }, this.#artifacts.get(artifactId));
    const content = this.#artifacts.content(artifactId);
    if (content === undefined) throw new CoreError('not_found', `artifact not found: ${artifactId}`);
    return { record, content };
  }

  async #create(caller: BrowserCaller, request: BrowserMessage): Promise<BrowserMessage> {
    const response = await this.#port.call('createSession', { ...request, principal: caller.owner.principal, channel: caller.owner.channel ?? '' }, {
      principal: caller.owner.principal,
      signal: caller.signal,
      timeoutMs: CALL_TIMEOUT_MS,
    });
    const browserSessionId = String(response['session_id'] ?? '');
    if (browserSessionId === '') throw new CoreError('internal', 'browser service returned no session id');
    const record: BrowserSessionRecord = {
      ...caller.owner,
      browserSessionId,
      chatSessionId: caller.chatSessionId,
      runId: caller.runId,
      createdAtMs: this.#now(),
      state: 'open',
      currentUrl: null,
      latestScreenshotId: null,
      actions: [],
      generation: this.#port.status().generation,
    };
    this.#sessions.set(browserSessionId, record);
    if (caller.chatSessionId) this.#currentByChat.set(caller.chatSessionId, browserSessionId);
    this.#log(record, { at_ms: record.createdAtMs, action: 'createSession', target: '', success: true, error: '', artifact_id: null });
    this.#evictOldest();
    return response;
  }

  async #currentOrNew(caller: BrowserCaller): Promise<string> {
    const generation = this.#port.status().generation;
    const current = caller.chatSessionId ? this.#currentByChat.get(caller.chatSessionId) : undefined;
    const record = current ? this.#sessions.get(current) : undefined;
    if (record && this.#refreshed(record, generation).state === 'open') return record.browserSessionId;
    const created = await this.#create(caller, {});
    return String(created['session_id']);
  }

  #owned(owner: Owner, browserSessionId: string): BrowserSessionRecord {
    const record = this.#sessions.get(browserSessionId);
    if (!record || record.principal !== owner.principal) throw new CoreError('not_found', `browser session not found: ${browserSessionId}`);
    return record;
  }

  #canSee(ctx: CallContext, record: BrowserSessionRecord): boolean {
    try {
      this.#authorizer.authorizeRecord(ctx, 'browser.read', { kind: 'browser_session', id: record.browserSessionId }, record);
      return true;
    } catch {
      return false;
    }
  }

  #refreshed(record: BrowserSessionRecord, generation: number): BrowserSessionRecord {
    if (record.state === 'open' && record.generation !== generation) record.state = 'lost';
    return record;
  }

  #keepArtifact(record: BrowserSessionRecord, method: BrowserMethod, response: BrowserMessage): string | null {
    const spec = ARTIFACT_FIELDS[method];
    const bytes = spec ? response[spec.field] : undefined;
    if (!spec || !Buffer.isBuffer(bytes)) return null;
    delete response[spec.field];
    if (bytes.length === 0) return null;
    const artifactId = newId();
    const mimeType = typeof response['mime_type'] === 'string' && response['mime_type'] !== '' ? response['mime_type'] : spec.mime;
    this.#artifacts.insert(
      {
        artifactId,
        kind: spec.kind,
        mimeType,
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        runId: record.runId,
        chatSessionId: record.chatSessionId,
        browserSessionId: record.browserSessionId,
        principal: record.principal,
        deviceId: record.deviceId,
        channel: record.channel,
        createdAtMs: this.#now(),
      },
      bytes,
    );
    if (spec.kind === 'screenshot') record.latestScreenshotId = artifactId;
    response['size_bytes'] = bytes.length;
    return artifactId;
  }

  #follow(record: BrowserSessionRecord, method: BrowserMethod, response: BrowserMessage): void {
    if (method === 'closeSession') {
      this.#markClosed(record);
      return;
    }
    for (const field of URL_FIELDS) {
      const url = response[field];
      if (typeof url === 'string' && url !== '') record.currentUrl = url;
    }
    for (const field of ['active_tab', 'tab']) {
      const tab = response[field] as { url?: unknown; active?: unknown } | undefined;
      if (typeof tab?.url === 'string' && tab.url !== '' && (field === 'active_tab' || tab.active === true)) record.currentUrl = tab.url;
    }
  }

  #markClosed(record: BrowserSessionRecord): void {
    record.state = 'closed';
    if (record.chatSessionId && this.#currentByChat.get(record.chatSessionId) === record.browserSessionId) this.#currentByChat.delete(record.chatSessionId);
  }

  #log(record: BrowserSessionRecord, entry: BrowserActionEntry): void {
    record.actions.push(entry);
    if (record.actions.length > MAX_ACTIONS_KEPT) record.actions.splice(0, record.actions.length - MAX_ACTIONS_KEPT);
  }

  #evictOldest(): void {
    if (this.#sessions.size <= MAX_SESSIONS_KEPT) return;
    for (const [id, record] of this.#sessions) {
      if (record.state === 'open') continue;
      this.#sessions.delete(id);
      if (this.#sessions.size <= MAX_SESSIONS_KEPT) return;
    }
  }
}

/** `scheme://host[:port]` of a URL, the unit a per-site approval covers; the URL itself when it has no origin. */
export function siteOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? url : origin;
  } catch {
    return url;
  }
}
