// The session actions both doors run (browserd's gRPC service, a node's browser capabilities): inputs checked, budgets applied, one log entry each.
import type { Page } from 'playwright-core';
import { CoreError } from '../../core/errors.js';
import { type Capture, exportPdf, parseImageFormat, type PdfExport, screenshotPage } from './capture.js';
import { checkNavigation, type NavigateInput, type NavigateResult, navigatePage } from './navigation.js';
import { type Observation, type ObserveInput, observePage } from './observe.js';
import { clickElement, pressKey, required, scrollBy, selectOptions, typeInto, type WaitResult, waitForTarget } from './page-actions.js';
import type { ActionRecord, BrowserSession } from './session.js';
import { capUtf8 } from './text-caps.js';

export const DEFAULT_MAX_TITLE_BYTES = 4096;

/** `requested` (0 = not set) within `cap`. */
export function withinCap(requested: number, cap: number): number {
  return requested > 0 ? Math.min(requested, cap) : cap;
}

/** Runs a counted action and returns its result with the action log entry. */
export async function logged<T>(session: BrowserSession, action: string, selector: string, timeoutMs: number, run: (page: Page) => Promise<T>): Promise<{ result: T; log: ActionRecord }> {
  const startedAtMs = Date.now();
  const what = selector === '' ? action : `${action} on ${JSON.stringify(selector.slice(0, 200))}`;
  const result = await session.act(action, what, timeoutMs, run);
  const attempts = typeof result === 'number' ? result : 1;
  return { result, log: { action, selector, startedAtMs, completedAtMs: Date.now(), attempts, pageUrl: session.activeTabUrl } };
}

/** Loads a URL in the active tab. @throws as `checkNavigation` and `navigatePage`. */
export async function navigateSession(session: BrowserSession, input: NavigateInput): Promise<NavigateResult> {
  const url = checkNavigation(session, input);
  return session.act('navigate', `navigation to ${url.origin}`, session.settings.budget.navigationTimeoutMs, (page) => navigatePage(session, page, url, input));
}

export async function clickInSession(session: BrowserSession, input: { selector: string; timeoutMs: number; maxRetries: number }): Promise<ActionRecord> {
  const selector = required(input.selector, 'selector');
  const timeoutMs = withinCap(input.timeoutMs, session.settings.budget.actionTimeoutMs);
  return (await logged(session, 'click', selector, timeoutMs, (page) => clickElement(page, selector, timeoutMs, input.maxRetries))).log;
}

export async function typeInSession(session: BrowserSession, input: { selector: string; text: string; clearExisting: boolean; timeoutMs: number }): Promise<ActionRecord> {
  const selector = required(input.selector, 'selector');
  const timeoutMs = withinCap(input.timeoutMs, session.settings.budget.actionTimeoutMs);
  return (await logged(session, 'type', selector, timeoutMs, (page) => typeInto(page, selector, input.text, input.clearExisting, timeoutMs))).log;
}

export async function pressInSession(session: BrowserSession, input: { key: string; timeoutMs: number }): Promise<ActionRecord> {
  const key = required(input.key, 'key');
  const timeoutMs = withinCap(input.timeoutMs, session.settings.budget.actionTimeoutMs);
  return (await logged(session, 'press', '', timeoutMs, (page) => pressKey(page, key))).log;
}

/** Selects `values` in the `<select>` a selector matches; returns the values now selected. @throws `invalid_argument` without selector or values. */
export async function selectInSession(session: BrowserSession, input: { selector: string; values: string[]; timeoutMs: number }): Promise<{ result: string[]; log: ActionRecord }> {
  const selector = required(input.selector, 'selector');
  if (input.values.length === 0) throw new CoreError('invalid_argument', 'values is required');
  const timeoutMs = withinCap(input.timeoutMs, session.settings.budget.actionTimeoutMs);
  return logged(session, 'select', selector, timeoutMs, (page) => selectOptions(page, selector, input.values, timeoutMs));
}

/** Scrolls the active tab by a delta in pixels; returns where it ended up. */
export async function scrollInSession(session: BrowserSession, input: { deltaX: number; deltaY: number }): Promise<{ result: { scrollX: number; scrollY: number }; log: ActionRecord }> {
  return logged(session, 'scroll', '', session.settings.budget.actionTimeoutMs, (page) => scrollBy(page, input.deltaX, input.deltaY));
}

export async function waitInSession(session: BrowserSession, input: { selector: string; text: string; timeoutMs: number }): Promise<{ result: WaitResult; log: ActionRecord }> {
  const timeoutMs = withinCap(input.timeoutMs, session.settings.budget.actionTimeoutMs);
  return logged(session, 'wait_for', input.selector, timeoutMs, (page) => waitForTarget(page, input.selector, input.text, timeoutMs));
}

/** The active tab's title, cut to `maxTitleBytes` (0 = 4 KiB). */
export async function readTitle(session: BrowserSession, maxTitleBytes: number): Promise<string> {
  const title = await session.act('get_title', 'get_title', session.settings.budget.actionTimeoutMs, (page) => page.title());
  return capUtf8(title, maxTitleBytes > 0 ? maxTitleBytes : DEFAULT_MAX_TITLE_BYTES).text;
}

/** The active tab's viewport. @throws `invalid_argument` (format), `resource_exhausted` over `maxBytes` (0 = the session's cap). */
export async function screenshotSession(session: BrowserSession, input: { format: string; maxBytes: number }): Promise<Capture> {
  const format = parseImageFormat(input.format);
  const { budget } = session.settings;
  const maxBytes = withinCap(input.maxBytes, budget.maxScreenshotBytes);
  return session.act('screenshot', 'screenshot', budget.actionTimeoutMs, (page) => screenshotPage(page, format, maxBytes, budget.actionTimeoutMs));
}

export async function observeSession(session: BrowserSession, input: ObserveInput): Promise<Observation> {
  const { budget } = session.settings;
  return session.act('observe', 'observe', budget.actionTimeoutMs, (page) => observePage(page, input, budget.actionTimeoutMs, budget.maxResponseBytes));
}

/** The active tab as a PDF. @throws `resource_exhausted` over `maxBytes` (0 = the session's max_response_bytes). */
export async function pdfOfSession(session: BrowserSession, input: { maxBytes: number }): Promise<PdfExport> {
  const { budget } = session.settings;
  const maxBytes = withinCap(input.maxBytes, budget.maxResponseBytes);
  return session.act('export_pdf', 'export_pdf', budget.navigationTimeoutMs, (page) => exportPdf(page, maxBytes));
}
