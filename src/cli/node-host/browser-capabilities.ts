// browser.* on a node: the browser engine's session actions as capabilities, each session owned by the principal that invoked it.
import { createHash } from 'node:crypto';
import Type, { type TSchema } from 'typebox';
import { clickInSession, navigateSession, observeSession, pdfOfSession, pressInSession, readTitle, screenshotSession, scrollInSession, selectInSession, typeInSession, waitInSession } from '../../browser/engine/session-actions.js';
import { CoreError, isCoreError } from '../../core/errors.js';
import type { Tool, ToolContext, ToolOutcome } from '../../core/tools/tool.js';
import { type BrowserCall, captureBudgetBytes, define, selector, sessionId, sessionOf, type Spec, timeoutMs, url } from './browser-capability-spec.js';
import { TAB_SPECS } from './browser-tab-capabilities.js';
import type { NodeBrowser } from './node-browser.js';

const TEXT_CAP_BYTES = 16_384;
// Pixels a scroll may move on either axis.
const MAX_SCROLL_PX = 1_000_000;

const SPECS: Spec<TSchema>[] = [
  define({
    name: 'session.create',
    description: 'Opens an isolated browser session on this node, owned by the caller.',
    input: Type.Object({}, { additionalProperties: false }),
    async run(engine, principal) {
      const session = await engine.createSession({ principal, channel: '', budget: {}, allowPrivateTargets: false, allowDownloads: false, actionAllowedDomains: [] });
      return { session_id: session.id, created_at_unix_ms: session.createdAtMs, expires_at_unix_ms: session.expiresAtMs };
    },
  }),
  define({
    name: 'session.close',
    description: 'Closes a browser session.',
    input: Type.Object({ session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const session = sessionOf(engine, principal, input.session_id);
      await engine.closeSession(principal, session.id);
      return { session_id: session.id, closed: true };
    },
  }),
  define({
    name: 'navigate',
    description: 'Loads an http(s) URL in the active tab (through the node\'s SSRF guard); returns the final URL, status and title.',
    input: Type.Object({ url, session_id: sessionId, timeout_ms: timeoutMs }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const session = sessionOf(engine, principal, input.session_id);
      const result = await navigateSession(session, { url: input.url, timeoutMs: input.timeout_ms ?? 0, allowRedirects: true, maxRedirects: 0, allowPrivateTargets: false });
      return { session_id: session.id, final_url: result.finalUrl, status_code: result.statusCode, title: result.title, body_bytes: result.bodyBytes, latency_ms: result.latencyMs };
    },
  }),
  define({
    name: 'click',
    description: 'Clicks the element a selector matches.',
    input: Type.Object({ selector, session_id: sessionId, timeout_ms: timeoutMs }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const log = await clickInSession(sessionOf(engine, principal, input.session_id), { selector: input.selector, timeoutMs: input.timeout_ms ?? 0, maxRetries: 0 });
      return { page_url: log.pageUrl, attempts: log.attempts };
    },
  }),
  define({
    name: 'type',
    description: 'Types text into the element a selector matches.',
    input: Type.Object({ selector, text: Type.String({ maxLength: 65_536 }), clear_existing: Type.Optional(Type.Boolean()), session_id: sessionId, timeout_ms: timeoutMs }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const log = await typeInSession(sessionOf(engine, principal, input.session_id), { selector: input.selector, text: input.text, clearExisting: input.clear_existing ?? false, timeoutMs: input.timeout_ms ?? 0 });
      return { page_url: log.pageUrl, typed_bytes: Buffer.byteLength(input.text) };
    },
  }),
  define({
    name: 'press',
    description: 'Presses a key (e.g. "Enter") in the active tab.',
    input: Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }), session_id: sessionId, timeout_ms: timeoutMs }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const log = await pressInSession(sessionOf(engine, principal, input.session_id), { key: input.key, timeoutMs: input.timeout_ms ?? 0 });
      return { page_url: log.pageUrl, key: input.key };
    },
  }),
  define({
    name: 'select',
    description: 'Selects options (by value or label) of the <select> a selector matches; returns the values now selected.',
    input: Type.Object({ selector, values: Type.Array(Type.String({ maxLength: 4_096 }), { minItems: 1, maxItems: 64 }), session_id: sessionId, timeout_ms: timeoutMs }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const { result, log } = await selectInSession(sessionOf(engine, principal, input.session_id), { selector: input.selector, values: input.values, timeoutMs: input.timeout_ms ?? 0 });
      return { page_url: log.pageUrl, selected_values: result };
    },
  }),
  define({
    name: 'scroll',
    description: 'Scrolls the active tab by a delta in pixels; returns the scroll position it reached.',
    input: Type.Object({ delta_x: Type.Optional(Type.Integer({ minimum: -MAX_SCROLL_PX, maximum: MAX_SCROLL_PX })), delta_y: Type.Optional(Type.Integer({ minimum: -MAX_SCROLL_PX, maximum: MAX_SCROLL_PX })), session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const { result, log } = await scrollInSession(sessionOf(engine, principal, input.session_id), { deltaX: input.delta_x ?? 0, deltaY: input.delta_y ?? 0 });
      return { page_url: log.pageUrl, scroll_x: result.scrollX, scroll_y: result.scrollY };
    },
  }),
  define({
    name: 'wait_for',
    description: 'Waits until a selector matches or a text is visible.',
    input: Type.Object({ selector: Type.Optional(selector), text: Type.Optional(Type.String({ minLength: 1, maxLength: 4_096 })), session_id: sessionId, timeout_ms: timeoutMs }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const { result } = await waitInSession(sessionOf(engine, principal, input.session_id), { selector: input.selector ?? '', text: input.text ?? '', timeoutMs: input.timeout_ms ?? 0 });
      return { waited_ms: result.waitedMs, matched_selector: result.matchedSelector, matched_text: result.matchedText };
    },
  }),
  define({
    name: 'title',
    description: 'Returns the active tab\'s title.',
    input: Type.Object({ session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input) {
      return { title: await readTitle(sessionOf(engine, principal, input.session_id), 0) };
    },
  }),
  define({
    name: 'screenshot',
    description: 'A screenshot of the active tab, returned as base64 within the task\'s output budget (max_output_bytes).',
    input: Type.Object({ format: Type.Optional(Type.Enum(['png', 'jpeg'])), session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input, call) {
      const shot = await screenshotSession(sessionOf(engine, principal, input.session_id), { format: input.format ?? 'png', maxBytes: captureBudgetBytes(call, 'an image') });
      return { mime_type: shot.mimeType, size_bytes: shot.bytes.length, sha256: createHash('sha256').update(shot.bytes).digest('hex'), image_base64: shot.bytes.toString('base64') };
    },
  }),
  define({
    name: 'observe',
    description: 'What the active tab shows: its visible text (default), and on request a DOM snapshot and an accessibility tree, each capped.',
    input: Type.Object({ include_dom_snapshot: Type.Optional(Type.Boolean()), include_accessibility_tree: Type.Optional(Type.Boolean()), include_visible_text: Type.Optional(Type.Boolean()), session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input) {
      const seen = await observeSession(sessionOf(engine, principal, input.session_id), {
        includeDomSnapshot: input.include_dom_snapshot ?? false,
        includeAccessibilityTree: input.include_accessibility_tree ?? false,
        includeVisibleText: input.include_visible_text ?? true,
        maxDomSnapshotBytes: TEXT_CAP_BYTES,
        maxAccessibilityTreeBytes: TEXT_CAP_BYTES,
        maxVisibleTextBytes: TEXT_CAP_BYTES,
      });
      return {
        page_url: seen.pageUrl,
        ...(seen.visibleText ? { visible_text: seen.visibleText.text, visible_text_truncated: seen.visibleText.truncated } : {}),
        ...(seen.domSnapshot ? { dom_snapshot: seen.domSnapshot.text, dom_truncated: seen.domSnapshot.truncated } : {}),
        ...(seen.accessibilityTree ? { accessibility_tree: seen.accessibilityTree.text, accessibility_tree_truncated: seen.accessibilityTree.truncated } : {}),
      };
    },
  }),
  define({
    name: 'pdf',
    description: 'The active tab printed to PDF (A4), returned as base64 within the task\'s output budget (max_output_bytes).',
    input: Type.Object({ session_id: sessionId }, { additionalProperties: false }),
    async run(engine, principal, input, call) {
      const pdf = await pdfOfSession(sessionOf(engine, principal, input.session_id), { maxBytes: captureBudgetBytes(call, 'a PDF') });
      return { mime_type: pdf.mimeType, size_bytes: pdf.bytes.length, sha256: pdf.sha256, pdf_base64: pdf.bytes.toString('base64') };
    },
  }),
  ...TAB_SPECS,
];

/**
 * The `browser.*` capabilities as tools over `browser` (run through the node's tool registry, which
 * validates inputs). The owner is the invoking principal: sessions of another principal are
 * `not_found`, like unknown ones. Failures come back as `<code>: <message>`.
 */
export function createBrowserCapabilityTools(browser: NodeBrowser, call: (ctx: ToolContext) => BrowserCall): Tool[] {
  return SPECS.map((spec) => ({
    name: `browser.${spec.name}`,
    description: spec.description,
    inputSchema: { ...spec.input },
    readOnly: false,
    alwaysAsk: false,
    timeoutMs: 120_000,
    async execute(input, ctx): Promise<ToolOutcome> {
      try {
        if (!ctx.owner.principal) throw new CoreError('failed_precondition', 'the daemon did not name the caller (requested_by); upgrade the daemon');
        return { success: true, output: await spec.run(await browser.get(), ctx.owner.principal, input, call(ctx)) };
      } catch (error) {
        if (!isCoreError(error)) throw error;
        return { success: false, output: null, error: `${error.code}: ${error.message}` };
      }
    },
  }));
}
