// browser.tabs.*, the console and network logs and reset_state on a node: the engine's session-tab actions, outputs redacted and fitted to the task's budget.
import Type, { type TSchema } from 'typebox';
import type { TabInfo } from '../../browser/engine/session.js';
import { closeTabInSession, openTabInSession, resetSessionState, switchTabInSession } from '../../browser/engine/session-tabs.js';
import { capBrowserOutput } from '../../core/tools/builtin/browser-output.js';
import { define, fittedListOutput, sessionId, sessionOf, type Spec, timeoutMs, ULID, url } from './browser-capability-spec.js';

const limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Most recent entries to return (default 100).' }));

function tabOutput(tab: TabInfo): Record<string, unknown> {
  return { tab_id: tab.tabId, url: tab.url, title: tab.title, active: tab.active };
}

export const TAB_SPECS: Spec<TSchema>[] = [
  define({
    name: 'tabs.list',
    description: 'The session\'s tabs and which one is active.',
    input: Type.Object({ session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input, call) {
      const session = sessionOf(engine, principal, input.session_id);
      const tabs = await session.listTabs();
      return fittedListOutput({ tabs: tabs.map(tabOutput), active_tab_id: session.activeTab ?? '', truncated: false }, 'tabs', call);
    },
  }),
  define({
    name: 'tabs.open',
    description: 'Opens a tab, blank or loading an http(s) URL through the node\'s SSRF guard; `activate` (default false) makes it the active tab.',
    input: Type.Object({ url: Type.Optional(url), activate: Type.Optional(Type.Boolean()), session_id: sessionId, timeout_ms: timeoutMs }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const session = sessionOf(engine, principal, input.session_id);
      const opened = await openTabInSession(session, { url: input.url ?? '', activate: input.activate ?? false, timeoutMs: input.timeout_ms ?? 0, allowRedirects: true, maxRedirects: 0, allowPrivateTargets: false });
      return capBrowserOutput({ tab: tabOutput(opened.tab), navigated: opened.navigated, status_code: opened.statusCode });
    },
  }),
  define({
    name: 'tabs.switch',
    description: 'Makes a tab the active one.',
    input: Type.Object({ tab_id: Type.String(ULID), session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const active = await switchTabInSession(sessionOf(engine, principal, input.session_id), input.tab_id);
      return capBrowserOutput({ active_tab: tabOutput(active) });
    },
  }),
  define({
    name: 'tabs.close',
    description: 'Closes a tab (default: the active one); returns the tab now active.',
    input: Type.Object({ tab_id: Type.Optional(Type.String(ULID)), session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const closed = await closeTabInSession(sessionOf(engine, principal, input.session_id), input.tab_id);
      return capBrowserOutput({ closed_tab_id: closed.closedTabId, ...(closed.activeTab ? { active_tab: tabOutput(closed.activeTab) } : {}), tabs_remaining: closed.tabsRemaining });
    },
  }),
  define({
    name: 'console_log',
    description: 'Recent console messages and uncaught errors of the session\'s pages, oldest first (secrets redacted); severity 1 debug, 2 info, 3 warning, 4 error.',
    input: Type.Object({ limit, minimum_severity: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })), session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input, call) {
      const page = sessionOf(engine, principal, input.session_id).logs.readConsole(input.limit ?? 0, input.minimum_severity ?? 0);
      const entries = page.entries.map((entry) => ({
        severity: entry.severity,
        kind: entry.kind,
        message: entry.message,
        message_truncated: entry.messageTruncated,
        source_url: entry.sourceUrl,
        line: entry.line,
        captured_at_unix_ms: entry.capturedAtMs,
        tab_id: entry.tabId,
      }));
      return fittedListOutput({ entries, truncated: page.truncated }, 'entries', call);
    },
  }),
  define({
    name: 'network_log',
    description: 'Recent requests of the session\'s pages, oldest first, refused ones with the guard\'s reason; response headers on request (secrets redacted).',
    input: Type.Object({ limit, include_headers: Type.Optional(Type.Boolean()), session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input, call) {
      const page = sessionOf(engine, principal, input.session_id).logs.readNetwork(input.limit ?? 0);
      const entries = page.entries.map((entry) => ({
        request_url: entry.requestUrl,
        method: entry.method,
        resource_type: entry.resourceType,
        status_code: entry.statusCode,
        latency_ms: entry.latencyMs,
        captured_at_unix_ms: entry.capturedAtMs,
        blocked: entry.blocked,
        blocked_reason: entry.blockedReason,
        response_bytes: entry.responseBytes,
        ...(input.include_headers ? { headers: entry.headers.map(([name, value]) => ({ name, value })) } : {}),
      }));
      return fittedListOutput({ entries, truncated: page.truncated }, 'entries', call);
    },
  }),
  define({
    name: 'reset_state',
    description: 'Clears the session\'s cookies and storage and closes all tabs but a blank one (each on by default), and on request its permissions.',
    input: Type.Object(
      { clear_cookies: Type.Optional(Type.Boolean()), clear_storage: Type.Optional(Type.Boolean()), reset_tabs: Type.Optional(Type.Boolean()), reset_permissions: Type.Optional(Type.Boolean()), session_id: sessionId },
      { additionalProperties: false },
    ),
    async run(engine, principal, input) {
      const reset = await resetSessionState(sessionOf(engine, principal, input.session_id), {
        clearCookies: input.clear_cookies ?? true,
        clearStorage: input.clear_storage ?? true,
        resetTabs: input.reset_tabs ?? true,
        resetPermissions: input.reset_permissions ?? false,
      });
      return { cookies_cleared: reset.cookiesCleared, storage_origins_cleared: reset.storageOriginsCleared, tabs_closed: reset.tabsClosed, permissions_reset: reset.permissionsReset };
    },
  }),
];
