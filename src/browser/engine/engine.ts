// The browser engine: one Chromium, sessions per principal within the operator's limits, expiry sweeps.
import { type Browser, chromium } from 'playwright-core';
import type { Logger } from 'pino';
import { CoreError } from '../../core/errors.js';
import type { NetworkAccess } from '../../core/net/network-guard.js';
import { effectiveBudget, type EngineLimits, type SessionBudget } from './limits.js';
import { BrowserSession } from './session.js';

export interface EngineOptions {
  chromiumPath: string;
  limits: EngineLimits;
  /** Operator network access for every session (allowedHosts; allowPrivateNetworks for all). */
  access: NetworkAccess;
  /** Whether CreateSession may ask for allow_private_targets. */
  allowSessionPrivateTargets: boolean;
  downloadsDir: string;
  logger: Logger;
  /** How often idle and expired sessions are looked for (default 1 s). */
  sweepIntervalMs?: number;
}

export interface CreateSessionInput {
  principal: string;
  channel: string;
  budget: Partial<SessionBudget>;
  allowPrivateTargets: boolean;
  allowDownloads: boolean;
  actionAllowedDomains: readonly string[];
}

export interface SessionPage {
  sessions: BrowserSession[];
  truncated: boolean;
}

// Against WebRTC reaching the network outside the proxy, and Chromium's own background traffic.
const CHROMIUM_ARGS = [
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

/**
 * Owns the browser. Sessions are looked up by (principal, id): another principal's session is
 * `not_found` with the same message as an unknown one. The transports (browserd's gRPC service, the
 * node host) are adapters over this class.
 */
export class BrowserEngine {
  readonly startedAtMs = Date.now();
  private readonly sessions = new Map<string, BrowserSession>();
  private opening = 0;
  private readonly openingByPrincipal = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  private constructor(
    private readonly browser: Browser,
    private readonly options: EngineOptions,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), options.sweepIntervalMs ?? 1000);
    this.sweeper.unref();
  }

  static async launch(options: EngineOptions): Promise<BrowserEngine> {
    const browser = await chromium.launch({ executablePath: options.chromiumPath, headless: true, args: CHROMIUM_ARGS });
    return new BrowserEngine(browser, options);
  }

  get version(): string {
    return this.browser.version();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Called once if the browser process goes away on its own. */
  onBrowserLost(listener: () => void): void {
    this.browser.on('disconnected', () => {
      if (!this.closing) listener();
    });
  }

  /** @throws `resource_exhausted` at max sessions (total or per principal), `permission_denied` for private targets the operator does not allow. */
  async createSession(input: CreateSessionInput): Promise<BrowserSession> {
    const { limits } = this.options;
    if (input.allowPrivateTargets && !this.options.allowSessionPrivateTargets) {
      throw new CoreError('permission_denied', 'allow_private_targets is not permitted by the operator (browserd --allow-session-private-targets)');
    }
    if (this.sessions.size + this.opening >= limits.maxSessions) {
      throw new CoreError('resource_exhausted', `browserd already has ${limits.maxSessions} sessions (max_sessions)`, { details: { limit: 'max_sessions', value: limits.maxSessions } });
    }
    const owned = this.ownedBy(input.principal).length + (this.openingByPrincipal.get(input.principal) ?? 0);
    if (owned >= limits.maxSessionsPerPrincipal) {
      throw new CoreError('resource_exhausted', `${input.principal} already has ${limits.maxSessionsPerPrincipal} sessions (max_sessions_per_principal)`, {
        details: { limit: 'max_sessions_per_principal', value: limits.maxSessionsPerPrincipal },
      });
    }
    this.opening += 1;
    this.openingByPrincipal.set(input.principal, (this.openingByPrincipal.get(input.principal) ?? 0) + 1);
    try {
      const session = await BrowserSession.open(
        {
          principal: input.principal,
          channel: input.channel,
          budget: effectiveBudget(input.budget, limits.session),
          allowPrivateTargets: input.allowPrivateTargets,
          downloadsEnabled: input.allowDownloads,
          actionAllowedDomains: input.actionAllowedDomains,
        },
        { browser: this.browser, access: this.options.access, downloadsDir: this.options.downloadsDir, logger: this.options.logger },
      );
      this.sessions.set(session.id, session);
      this.options.logger.info({ session_id: session.id, principal: input.principal }, 'browser session created');
      return session;
    } finally {
      this.opening -= 1;
      const left = (this.openingByPrincipal.get(input.principal) ?? 1) - 1;
      if (left === 0) this.openingByPrincipal.delete(input.principal);
      else this.openingByPrincipal.set(input.principal, left);
    }
  }

  /** The caller's session, marked active. @throws `not_found` for an unknown id and for another principal's. */
  session(principal: string, sessionId: string): BrowserSession {
    const session = this.sessions.get(sessionId);
    if (!session || session.settings.principal !== principal || session.isClosed) {
      throw new CoreError('not_found', `browser session not found: ${sessionId}`);
    }
    session.lastActiveMs = Date.now();
    return session;
  }

  /** The caller's sessions, newest first. */
  listSessions(principal: string, limit: number): SessionPage {
    const owned = this.ownedBy(principal).reverse();
    return { sessions: owned.slice(0, limit), truncated: owned.length > limit };
  }

  /** @throws `not_found` as `session`. */
  async closeSession(principal: string, sessionId: string): Promise<void> {
    const session = this.session(principal, sessionId);
    await this.end(session, 'closed');
  }

  /** Closes every session and the browser. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.sessions.values()].map((session) => this.end(session, 'shutdown')));
    await this.browser.close();
  }

  private ownedBy(principal: string): BrowserSession[] {
    return [...this.sessions.values()].filter((session) => session.settings.principal === principal);
  }

  private async end(session: BrowserSession, reason: string): Promise<void> {
    this.sessions.delete(session.id);
    // Logged when the session stops being reachable; the context's close follows.
    this.options.logger.info({ session_id: session.id, reason, actions: session.actionCount }, 'browser session closed');
    await session.close();
  }

  private async sweep(): Promise<void> {
    const nowMs = Date.now();
    for (const session of [...this.sessions.values()]) {
      const reason = session.expiry(nowMs);
      if (reason) await this.end(session, reason === 'idle' ? 'idle_ttl' : 'lifetime');
    }
  }
}
