// ConsoleSessionService: cookie sessions for the web console (hashed at rest), CSRF tokens, login lockout.
import type { CallContext } from '../context.js';
import { createContext, isAdmin, type SignalSource } from '../context.js';
import { CoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import { createHmac } from 'node:crypto';
import { hashSecret, matchesHash, newSecret } from './secrets.js';
import type { ConsoleSessionRecord, CredentialStore } from './store.js';

export interface ConsoleSessionPolicy {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  /** Failed logins from one client before it is locked out. */
  maxFailedLogins: number;
  lockoutMs: number;
}

export const DEFAULT_CONSOLE_SESSION_POLICY: ConsoleSessionPolicy = {
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 3_600_000,
  maxFailedLogins: 5,
  lockoutMs: 5 * 60_000,
};

// Sliding-expiry writes are throttled: the idle clock only needs minute precision.
const TOUCH_INTERVAL_MS = 30_000;

export interface ConsoleLogin {
  /** The cookie value: shown once, only its hash is stored. */
  sessionToken: string;
  csrfToken: string;
  session: ConsoleSessionRecord;
}

interface Failures {
  count: number;
  firstAtMs: number;
  lockedUntilMs: number;
}

export class ConsoleSessionService {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly store: CredentialStore,
    private readonly journal: Journal,
    private readonly policy: ConsoleSessionPolicy = DEFAULT_CONSOLE_SESSION_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Opens a console session for an already authenticated admin context (the login presented the admin
   * token). Identity comes from `ctx`.
   */
  async open(ctx: CallContext): Promise<ConsoleLogin> {
    if (!isAdmin(ctx)) throw new CoreError('permission_denied', 'console sessions are for admin principals');
    const at = this.now();
    const sessionToken = newSecret();
    const csrfToken = this.csrfTokenFor(sessionToken);
    const session: ConsoleSessionRecord = {
      sessionId: newId(),
      tokenHash: hashSecret(sessionToken),
      csrfHash: hashSecret(csrfToken),
      principal: ctx.principal,
      deviceId: ctx.deviceId,
      channel: ctx.channel,
      createdAtMs: at,
      lastSeenMs: at,
      expiresAtMs: at + this.policy.absoluteTimeoutMs,
      revokedAtMs: null,
    };
    this.store.insertConsoleSession(session);
    await this.journal.append({ kind: 'auth.console_login', actor: 'user', principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel, payload: { session_id: session.sessionId } });
    return { sessionToken, csrfToken, session };
  }

  /**
   * Throws `resource_exhausted` (with `retryAfterSeconds`) while `clientKey` is locked out after too
   * many failed logins. Call before checking the presented credential.
   */
  checkLockout(clientKey: string): void {
    const entry = this.failures.get(clientKey);
    const at = this.now();
    if (entry && entry.lockedUntilMs > at) {
      throw new CoreError('resource_exhausted', 'too many failed logins; try again later', {
        details: { retryAfterSeconds: Math.ceil((entry.lockedUntilMs - at) / 1000) },
      });
    }
  }

  recordFailedLogin(clientKey: string): void {
    const at = this.now();
    let entry = this.failures.get(clientKey);
    if (!entry || at - entry.firstAtMs > this.policy.lockoutMs) entry = { count: 0, firstAtMs: at, lockedUntilMs: 0 };
    entry.count += 1;
    if (entry.count >= this.policy.maxFailedLogins) entry.lockedUntilMs = at + this.policy.lockoutMs;
    this.failures.set(clientKey, entry);
    if (this.failures.size > 10_000) this.pruneFailures(at);
  }

  clearFailedLogins(clientKey: string): void {
    this.failures.delete(clientKey);
  }

  /**
   * The context of a live console session, sliding its idle timeout. `renewed` says the idle deadline
   * moved (the session was touched; at most every TOUCH_INTERVAL_MS), so a transport re-issues its
   * cookie then; `remainingMs` is the time until the idle or absolute deadline, whichever is first.
   * @throws `unauthenticated` when the token is unknown, revoked, idle too long or past the absolute cap.
   */
  authenticate(
    sessionToken: string,
    options: { signal?: SignalSource; requestId?: string } = {},
  ): { ctx: CallContext; session: ConsoleSessionRecord; renewed: boolean; remainingMs: number } {
    const session = /^[A-Za-z0-9_-]{43}$/.test(sessionToken) ? this.store.getConsoleSessionByTokenHash(hashSecret(sessionToken)) : undefined;
    const at = this.now();
    if (!session || session.revokedAtMs !== null || at >= session.expiresAtMs || at - session.lastSeenMs >= this.policy.idleTimeoutMs) {
      throw new CoreError('unauthenticated', 'the console session is missing, expired or signed out; sign in again');
    }
    const renewed = at - session.lastSeenMs > TOUCH_INTERVAL_MS;
    if (renewed) this.store.touchConsoleSession(session.sessionId, at);
    const expiresAtMs = Math.min(session.expiresAtMs, (renewed ? at : session.lastSeenMs) + this.policy.idleTimeoutMs);
    const ctx = createContext({
      principal: session.principal,
      deviceId: session.deviceId,
      channel: session.channel,
      scopes: ['*'],
      credential: 'console_session',
      credentialId: session.sessionId,
      expiresAtMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
    return { ctx, session, renewed, remainingMs: expiresAtMs - at };
  }

  /**
   * The session's CSRF synchronizer token, derived from its (HttpOnly) cookie value, so a reloaded page
   * can ask the server for it again while a cross-site page, which cannot read responses, cannot.
   */
  csrfTokenFor(sessionToken: string): string {
    return createHmac('sha256', sessionToken).update('palyra-console-csrf-v1').digest('base64url');
  }

  /** @throws `permission_denied` unless `csrfToken` is the session's synchronizer token. */
  checkCsrf(session: ConsoleSessionRecord, csrfToken: string | undefined): void {
    if (!csrfToken || !matchesHash(csrfToken, session.csrfHash)) {
      throw new CoreError('permission_denied', 'missing or wrong CSRF token: send the csrf_token from login in the x-palyra-csrf-token header');
    }
  }

  async logout(ctx: CallContext): Promise<void> {
    if (ctx.credential !== 'console_session' || !ctx.credentialId) throw new CoreError('failed_precondition', 'not signed in with a console session');
    this.store.revokeConsoleSession(ctx.credentialId, this.now());
    await this.journal.append({ kind: 'auth.console_logout', actor: 'user', principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel, payload: { session_id: ctx.credentialId } });
  }

  private pruneFailures(at: number): void {
    for (const [key, entry] of this.failures) {
      if (entry.lockedUntilMs <= at && at - entry.firstAtMs > this.policy.lockoutMs) this.failures.delete(key);
    }
  }
}
