// palyra.browser.*: the agent's headless browser, one tool per BrowserService method, with per-site approvals.
import Type, { type TSchema } from 'typebox';
import type { BrowserMethod } from '../../browser/browser-port.js';
import { type BrowserSessions, siteOf } from '../../browser/browser-sessions.js';
import { isCoreError } from '../../errors.js';
import type { Tool, ToolContext } from '../tool.js';
import { capBrowserOutput } from './browser-output.js';

/**
 * How a tool's calls are approved: per site it reaches; or never asked, because it only reads the page
 * (`none`) or changes nothing beyond the session's own browser (`session`: open/close, scroll, tabs, reset).
 */
type Gate = 'site_of_url' | 'site_of_page' | 'session' | 'none';

interface BrowserToolSpec {
  name: string;
  method: BrowserMethod;
  description: string;
  properties: Record<string, TSchema>;
  gate: Gate;
  /** Request fields the tool always sets (caps the daemon keeps on what comes back). */
  fixed?: Record<string, unknown>;
  /** Request fields used when the input leaves them out. */
  defaults?: Record<string, unknown>;
}

const ULID = { pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' };
const sessionId = Type.Optional(Type.String({ ...ULID, description: 'A browser session id; default: this chat session\'s browser session (created on first use).' }));
const selector = Type.String({ minLength: 1, maxLength: 4_096, description: 'A CSS or Playwright selector.' });
const timeoutMs = Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, description: 'Milliseconds to wait (the service default when absent).' }));
const url = Type.String({ minLength: 1, maxLength: 8_192, description: 'An http:// or https:// URL.' });
const limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Most recent entries to return (default 50).' }));
const TEXT_CAP_BYTES = 16_384;
const SCREENSHOT_CAP_BYTES = 2 * 1024 * 1024;

const SPECS: BrowserToolSpec[] = [
  { name: 'session.create', method: 'createSession', gate: 'session', description: 'Opens a new isolated browser session (own cookies and storage) and makes it this chat session\'s current one.', properties: {} },
  { name: 'session.close', method: 'closeSession', gate: 'session', description: 'Closes a browser session.', properties: { session_id: sessionId } },
  { name: 'navigate', method: 'navigate', gate: 'site_of_url', description: 'Loads a URL in the active tab; returns the final URL, status and title. Each new site needs approval.', properties: { url, session_id: sessionId, timeout_ms: timeoutMs }, fixed: { allow_redirects: true } },
  { name: 'click', method: 'click', gate: 'site_of_page', description: 'Clicks the element a selector matches.', properties: { selector, session_id: sessionId, timeout_ms: timeoutMs } },
  { name: 'type', method: 'type', gate: 'site_of_page', description: 'Types text into the element a selector matches.', properties: { selector, text: Type.String({ maxLength: 65_536 }), clear_existing: Type.Optional(Type.Boolean()), session_id: sessionId, timeout_ms: timeoutMs } },
  { name: 'press', method: 'press', gate: 'site_of_page', description: 'Presses a key (e.g. "Enter", "Escape") in the active tab.', properties: { key: Type.String({ minLength: 1, maxLength: 64 }), session_id: sessionId, timeout_ms: timeoutMs } },
  { name: 'select', method: 'select', gate: 'site_of_page', description: 'Selects an option of the <select> a selector matches.', properties: { selector, value: Type.String({ maxLength: 4_096 }), session_id: sessionId, timeout_ms: timeoutMs } },
  { name: 'scroll', method: 'scroll', gate: 'session', description: 'Scrolls the active tab by a delta in pixels.', properties: { delta_x: Type.Optional(Type.Integer()), delta_y: Type.Optional(Type.Integer()), session_id: sessionId } },
  { name: 'wait_for', method: 'waitFor', gate: 'none', description: 'Waits until a selector matches or a text is visible.', properties: { selector: Type.Optional(selector), text: Type.Optional(Type.String({ minLength: 1, maxLength: 4_096 })), session_id: sessionId, timeout_ms: timeoutMs } },
  { name: 'title', method: 'getTitle', gate: 'none', description: 'Returns the active tab\'s title.', properties: { session_id: sessionId }, fixed: { max_title_bytes: 4_096 } },
  { name: 'screenshot', method: 'screenshot', gate: 'none', description: 'Takes a screenshot of the active tab; returns an artifact id (the image is stored, not returned).', properties: { format: Type.Optional(Type.Enum(['png', 'jpeg'])), session_id: sessionId }, fixed: { max_bytes: SCREENSHOT_CAP_BYTES } },
  {
    name: 'observe',
    method: 'observe',
    gate: 'none',
    description: 'Returns what the active tab shows: its visible text (the default), and on request a DOM snapshot and an accessibility tree (each capped).',
    properties: { include_dom_snapshot: Type.Optional(Type.Boolean()), include_accessibility_tree: Type.Optional(Type.Boolean()), include_visible_text: Type.Optional(Type.Boolean()), session_id: sessionId },
    defaults: { include_visible_text: true },
    fixed: { max_dom_snapshot_bytes: TEXT_CAP_BYTES, max_accessibility_tree_bytes: TEXT_CAP_BYTES, max_visible_text_bytes: TEXT_CAP_BYTES },
  },
  { name: 'tabs.list', method: 'listTabs', gate: 'none', description: 'Lists the session\'s tabs.', properties: { session_id: sessionId } },
  { name: 'tabs.open', method: 'openTab', gate: 'site_of_url', description: 'Opens a tab, optionally loading a URL (which needs approval for a new site).', properties: { url: Type.Optional(url), activate: Type.Optional(Type.Boolean()), session_id: sessionId, timeout_ms: timeoutMs }, fixed: { allow_redirects: true } },
  { name: 'tabs.switch', method: 'switchTab', gate: 'session', description: 'Makes a tab the active one.', properties: { tab_id: Type.String(ULID), session_id: sessionId } },
  { name: 'tabs.close', method: 'closeTab', gate: 'session', description: 'Closes a tab (default: the active one).', properties: { tab_id: Type.Optional(Type.String(ULID)), session_id: sessionId } },
  { name: 'console_log', method: 'consoleLog', gate: 'none', description: 'Recent console messages of the session\'s pages (secrets redacted).', properties: { limit, session_id: sessionId } },
  { name: 'network_log', method: 'networkLog', gate: 'none', description: 'Recent requests of the session\'s pages (secrets redacted).', properties: { limit, session_id: sessionId } },
  { name: 'pdf', method: 'exportPdf', gate: 'none', description: 'Prints the active tab to PDF; returns an artifact id (the document is stored, not returned).', properties: { session_id: sessionId }, fixed: { max_bytes: 8 * 1024 * 1024 } },
  { name: 'reset_state', method: 'resetState', gate: 'session', description: 'Clears the session\'s cookies and storage and closes all tabs but one.', properties: { session_id: sessionId }, fixed: { clear_cookies: true, clear_storage: true, reset_tabs: true } },
];

// Navigations wait for the page; the service's own navigation timeout is the tighter bound.
const BROWSER_TOOL_TIMEOUT_MS = 90_000;

/** The approval subject of a browser call that reaches `site` (`browser:site:<origin>`): "allow for this session" covers that site only. */
export function browserSiteSubject(site: string): string {
  return `browser:site:${site}`;
}

/**
 * The `palyra.browser.*` tools over `sessions`. Calls that load a URL are asked per site of the URL;
 * clicks, typing, key presses and selections per site of the page they act on; the rest (reading the
 * page, screenshots, tabs, logs, closing) act only inside the session's own browser and are not asked.
 * Outputs are redacted and capped (browser-output.ts); screenshots and PDFs come back as artifact ids.
 */
export function createBrowserTools(sessions: BrowserSessions): Tool[] {
  return SPECS.map((spec) => ({
    name: `palyra.browser.${spec.name}`,
    description: spec.description,
    inputSchema: { ...Type.Object(spec.properties, { additionalProperties: false }) },
    readOnly: spec.gate === 'none',
    sessionScoped: spec.gate === 'session',
    alwaysAsk: false,
    timeoutMs: BROWSER_TOOL_TIMEOUT_MS,
    approvalSubject(input, ctx) {
      const target = spec.gate === 'site_of_url' && typeof input['url'] === 'string'
        ? siteOf(input['url'])
        : (sessions.currentSite(ctx.sessionId, input['session_id'] as string | undefined) ?? 'about:blank');
      return { type: 'browser_action', id: browserSiteSubject(target) };
    },
    async execute(input, ctx: ToolContext) {
      const owner = ctx.owner;
      try {
        const response = await sessions.invoke({ owner, chatSessionId: ctx.sessionId, runId: ctx.runId, signal: ctx.signal }, spec.method, { ...spec.defaults, ...input, ...spec.fixed });
        const success = response['success'] !== false;
        const error = typeof response['error'] === 'string' && response['error'] !== '' ? response['error'] : undefined;
        return { success, output: capBrowserOutput(response), ...(success ? {} : { error: error ?? 'browser action failed' }) };
      } catch (error) {
        if (!isCoreError(error) || error.code === 'internal') throw error;
        return { success: false, output: null, error: `${error.code}: ${error.message}` };
      }
    },
  }));
}
