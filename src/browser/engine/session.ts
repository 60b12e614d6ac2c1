// One browser session: an isolated context behind its own egress proxy, its tabs, logs, downloads and budget.
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Logger } from 'pino';
import { CoreError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { NetworkAccess } from '../../core/net/network-guard.js';
import { ActionBudget } from './action-budget.js';
import { toBrowserError } from './browser-errors.js';
import { DownloadQuarantine } from './downloads.js';
import { EgressProxy, type EgressRefusal } from './egress-proxy.js';
import type { SessionBudget } from './limits.js';
import { SessionLogs } from './session-logs.js';
import { isActionDomainAllowed } from './url-policy.js';

export interface SessionSettings {
  principal: string;
  channel: string;
  budget: SessionBudget;
  allowPrivateTargets: boolean;
  downloadsEnabled: boolean;
  actionAllowedDomains: readonly string[];
}

export interface SessionDeps {
  browser: Browser;
  /** The operator's network access; a session with allowPrivateTargets adds the private classes. */
  access: NetworkAccess;
  downloadsDir: string;
  logger: Logger;
}

export interface TabInfo {
  tabId: string;
  url: string;
  title: string;
  active: boolean;
}

/** The log entry every successful action returns. */
export interface ActionRecord {
  action: string;
  selector: string;
  startedAtMs: number;
  completedAtMs: number;
  attempts: number;
  pageUrl: string;
}

// Runs in the page (as text: the project compiles without the DOM library).
const CLEAR_STORAGE_SOURCE = `(async () => {
  localStorage.clear();
  sessionStorage.clear();
  for (const db of (await indexedDB.databases?.()) ?? []) if (db.name) indexedDB.deleteDatabase(db.name);
})()`;

export class BrowserSession {
  readonly id = newId();
  readonly createdAtMs = Date.now();
  lastActiveMs = Date.now();
  readonly logs = new SessionLogs();
  readonly downloads: DownloadQuarantine;
  private readonly actions: ActionBudget;
  private readonly tabs = new Map<string, Page>();
  private readonly tabIds = new WeakMap<Page, string>();
  private activeTabId: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastRefusal: EgressRefusal | undefined;
  private context!: BrowserContext;
  private proxy!: EgressProxy;
  private closed = false;

  private constructor(
    readonly settings: SessionSettings,
    private readonly logger: Logger,
    downloadsDir: string,
  ) {
    this.actions = new ActionBudget(settings.budget.maxActionsPerSession, settings.budget.maxActionsPerSecond);
    this.downloads = new DownloadQuarantine(join(downloadsDir, this.id), logger);
  }

  /** A new context (service workers blocked, every request through the session's egress proxy) with one blank tab. */
  static async open(settings: SessionSettings, deps: SessionDeps): Promise<BrowserSession> {
    const session = new BrowserSession(settings, deps.logger, deps.downloadsDir);
    const logger = deps.logger.child({ session_id: session.id });
    const access = { ...deps.access, allowPrivateNetworks: deps.access.allowPrivateNetworks || settings.allowPrivateTargets };
    session.proxy = await EgressProxy.start({
      policy: { access, maxResponseBytes: settings.budget.maxResponseBytes },
      logger,
      onRefusal: (refusal) => {
        session.lastRefusal = refusal;
        session.logs.addRefusal(refusal);
      },
    });
    try {
      session.context = await deps.browser.newContext({
        // `<-loopback>` removes Chromium's implicit bypass of localhost and 127/8, so those pass the guard too.
        proxy: { server: session.proxy.url, bypass: '<-loopback>' },
        serviceWorkers: 'block',
        acceptDownloads: settings.downloadsEnabled,
        viewport: { width: 1280, height: 800 },
      });
    } catch (error) {
      await session.proxy.close();
      throw error;
    }
    session.context.on('page', (page) => session.adopt(page));
    session.context.on('requestfinished', (request) => void session.logs.addFinished(request).catch(() => undefined));
    session.context.on('requestfailed', (request) => {
      // A request the proxy refused is already logged, with its reason.
      if (!session.proxy.refusalFor(request.url())) session.logs.addFailed(request);
    });
    await session.context.newPage();
    return session;
  }

  get actionCount(): number {
    return this.actions.count;
  }

  get tabCount(): number {
    return this.tabs.size;
  }

  get expiresAtMs(): number {
    return this.createdAtMs + this.settings.budget.sessionLifetimeMs;
  }

  get activeTabUrl(): string {
    return this.activeTabId ? (this.tabs.get(this.activeTabId)?.url() ?? '') : '';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Why the session should end now, if it should: idle past its TTL or past its lifetime. */
  expiry(nowMs: number): 'idle' | 'lifetime' | undefined {
    if (nowMs >= this.expiresAtMs) return 'lifetime';
    if (nowMs - this.lastActiveMs >= this.settings.budget.idleTtlMs) return 'idle';
    return undefined;
  }

  /**
   * Runs one counted action on the active tab, after the ones already queued (playwright calls on one
   * page must not interleave). @throws `resource_exhausted` (budget), `permission_denied` (domain list),
   * `failed_precondition` (no tab), or what `toBrowserError` makes of the page's failure.
   */
  async act<T>(action: string, what: string, timeoutMs: number, run: (page: Page) => Promise<T>): Promise<T> {
    this.actions.take(action);
    return this.serialised(async () => {
      const page = this.activePage();
      this.checkActionDomain(page.url());
      try {
        return await run(page);
      } catch (error) {
        throw toBrowserError(error, what, timeoutMs);
      }
    });
  }

  /** Like `act` but uncounted, for reads of the session's own state that need the queue. */
  serialised<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The proxy's refusal of `url` (or of its origin's tunnel) recorded since `sinceMs`: why a navigation failed. */
  refusalFor(url: string, sinceMs: number): EgressRefusal | undefined {
    const refusal = this.proxy.refusalFor(url);
    return refusal && refusal.atMs >= sinceMs ? refusal : undefined;
  }

  /** The newest refusal recorded since `sinceMs`. */
  latestRefusal(sinceMs: number): EgressRefusal | undefined {
    return this.lastRefusal && this.lastRefusal.atMs >= sinceMs ? this.lastRefusal : undefined;
  }

  checkActionDomain(url: string): void {
    if (!url.startsWith('http:') && !url.startsWith('https:')) return;
    const host = new URL(url).hostname;
    if (!isActionDomainAllowed(host, this.settings.actionAllowedDomains)) {
      throw new CoreError('permission_denied', `actions on ${host} are not allowed in this session (action_allowed_domains)`);
    }
  }

  activePage(): Page {
    const page = this.activeTabId ? this.tabs.get(this.activeTabId) : undefined;
    if (!page) throw new CoreError('failed_precondition', 'the session has no open tab; open one with OpenTab');
    return page;
  }

  page(tabId: string): Page {
    const page = this.tabs.get(tabId);
    if (!page) throw new CoreError('not_found', `tab not found: ${tabId}`);
    return page;
  }

  get activeTab(): string | undefined {
    return this.activeTabId;
  }

  async listTabs(): Promise<TabInfo[]> {
    return Promise.all([...this.tabs.keys()].map((tabId) => this.describeTab(tabId)));
  }

  async describeTab(tabId: string): Promise<TabInfo> {
    const page = this.page(tabId);
    const title = await page.title().catch(() => '');
    return { tabId, url: page.url(), title, active: tabId === this.activeTabId };
  }

  /** A new blank tab. @throws `resource_exhausted` at max_tabs. */
  async openTab(activate: boolean): Promise<string> {
    if (this.tabs.size >= this.settings.budget.maxTabs) {
      throw new CoreError('resource_exhausted', `the session already has ${this.tabs.size} tabs (max_tabs ${this.settings.budget.maxTabs})`, {
        details: { limit: 'max_tabs', value: this.settings.budget.maxTabs },
      });
    }
    const previous = this.activeTabId;
    const page = await this.context.newPage();
    const tabId = this.adopt(page);
    if (!tabId) throw new CoreError('failed_precondition', 'the tab closed while it opened');
    if (!activate && previous && this.tabs.has(previous)) this.activeTabId = previous;
    return tabId;
  }

  switchTab(tabId: string): void {
    this.page(tabId);
    this.activeTabId = tabId;
  }

  async closeTab(tabId: string): Promise<void> {
    await this.page(tabId).close();
  }

  /** Closes a tab whose opening failed and makes `previous` active again, as if it had never opened. */
  async abandonTab(tabId: string, previous: string | undefined): Promise<void> {
    await this.closeTab(tabId).catch(() => undefined);
    this.tabs.delete(tabId);
    if (previous !== undefined && this.tabs.has(previous)) this.activeTabId = previous;
  }

  async clearCookies(): Promise<number> {
    const count = (await this.context.cookies()).length;
    await this.context.clearCookies();
    return count;
  }

  /** localStorage, sessionStorage and IndexedDB of each open tab's origin; returns how many origins. */
  async clearStorage(): Promise<number> {
    const origins = new Set<string>();
    for (const page of this.tabs.values()) {
      const url = page.url();
      if (!url.startsWith('http:') && !url.startsWith('https:')) continue;
      const origin = new URL(url).origin;
      if (origins.has(origin)) continue;
      origins.add(origin);
      await page.evaluate(CLEAR_STORAGE_SOURCE);
    }
    return origins.size;
  }

  async resetPermissions(): Promise<void> {
    await this.context.clearPermissions();
  }

  /** Closes every tab and leaves one blank one; returns how many were closed. */
  async resetTabs(): Promise<number> {
    const pages = [...this.tabs.values()];
    await this.context.newPage();
    for (const page of pages) await page.close();
    return pages.length;
  }

  /** Closes the context (its renderer processes end and their memory is returned), the proxy and the quarantine folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.close().catch((error: unknown) => this.logger.warn({ err: error }, 'browser context close failed'));
    await this.proxy.close();
    await this.downloads.discard();
  }

  /** Registers a page of the context as a tab (popups too); one past max_tabs is closed at once. */
  private adopt(page: Page): string | undefined {
    const known = this.tabIds.get(page);
    if (known) return known;
    if (this.tabs.size >= this.settings.budget.maxTabs) {
      this.logger.warn({ session_id: this.id, max_tabs: this.settings.budget.maxTabs }, 'popup closed: the session is at max_tabs');
      void page.close().catch(() => undefined);
      return undefined;
    }
    const tabId = newId();
    this.tabs.set(tabId, page);
    this.tabIds.set(page, tabId);
    this.activeTabId = tabId;
    page.setDefaultTimeout(this.settings.budget.actionTimeoutMs);
    page.setDefaultNavigationTimeout(this.settings.budget.navigationTimeoutMs);
    page.on('console', (message) => this.logs.addConsole(message, tabId));
    page.on('pageerror', (error) => this.logs.addPageError(error, tabId));
    if (this.settings.downloadsEnabled) page.on('download', (download) => this.downloads.accept(download));
    page.once('close', () => {
      this.tabs.delete(tabId);
      if (this.activeTabId === tabId) this.activeTabId = [...this.tabs.keys()].at(-1);
    });
    return tabId;
  }
}
