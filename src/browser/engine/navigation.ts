// Navigate and OpenTab's navigation: scheme check, redirect limit, and failures explained by the egress proxy.
import type { Page, Response } from 'playwright-core';
import { errors as playwrightErrors } from 'playwright-core';
import { CoreError } from '../../core/errors.js';
import type { BrowserSession } from './session.js';
import { parseNavigationUrl } from './url-policy.js';

export interface NavigateInput {
  url: string;
  /** 0 = the session's navigation timeout; never more than it. */
  timeoutMs: number;
  allowRedirects: boolean;
  /** 0 means 3. */
  maxRedirects: number;
  allowPrivateTargets: boolean;
}

export interface NavigateResult {
  finalUrl: string;
  statusCode: number;
  title: string;
  bodyBytes: number;
  latencyMs: number;
  redirects: number;
}

export const DEFAULT_MAX_REDIRECTS = 3;

/** Checks what can be checked before the browser is involved. @throws `invalid_argument`, `permission_denied`. */
export function checkNavigation(session: BrowserSession, input: NavigateInput): URL {
  const url = parseNavigationUrl(input.url);
  if (input.allowPrivateTargets && !session.settings.allowPrivateTargets) {
    throw new CoreError('permission_denied', 'allow_private_targets needs a session created with allow_private_targets');
  }
  session.checkActionDomain(url.href);
  return url;
}

/**
 * Loads `url` in `page` and waits for its load event. A request the egress proxy refused (the document
 * or a redirect hop) is `permission_denied` with the guard's reason, or `resource_exhausted` for a
 * response over max_response_bytes; a timeout is `deadline_exceeded`; a network error `unavailable`.
 * More redirects than allowed leave the tab on about:blank and fail with `failed_precondition`.
 */
export async function navigatePage(session: BrowserSession, page: Page, url: URL, input: NavigateInput): Promise<NavigateResult> {
  const budgetMs = session.settings.budget.navigationTimeoutMs;
  const timeoutMs = input.timeoutMs > 0 ? Math.min(input.timeoutMs, budgetMs) : budgetMs;
  const startedWallMs = Date.now();
  const startedMs = performance.now();
  let response;
  try {
    response = await gotoOnce(page, url, timeoutMs);
  } catch (error) {
    const failure = navigationError(session, error, url, timeoutMs, startedWallMs);
    // Chromium commits its error page for a refused load some time later; leaving the tab on about:blank
    // now means that late commit cannot cancel the session's next navigation.
    await page.goto('about:blank', { timeout: timeoutMs }).catch(() => undefined);
    throw failure;
  }
  const latencyMs = Math.round(performance.now() - startedMs);
  let redirects = 0;
  for (let request = response?.request().redirectedFrom(); request; request = request.redirectedFrom()) redirects += 1;
  const allowed = input.allowRedirects ? input.maxRedirects || DEFAULT_MAX_REDIRECTS : 0;
  if (redirects > allowed) {
    await page.goto('about:blank').catch(() => undefined);
    throw new CoreError('failed_precondition', `navigation to ${url.origin} was redirected ${redirects} times; ${input.allowRedirects ? `max_redirects is ${allowed}` : 'allow_redirects is off'}`);
  }
  // Two independent round trips to the browser: asked together, the answer waits for one.
  const [title, length] = await Promise.all([page.title(), response ? bodyBytes(response) : 0]);
  return { finalUrl: page.url(), statusCode: response?.status() ?? 0, title, bodyBytes: length, latencyMs, redirects };
}

/** The document's length: its Content-Length when declared (no body transfer over CDP), else the body read. */
async function bodyBytes(response: Response): Promise<number> {
  const declared = Number(response.headers()['content-length']);
  if (Number.isInteger(declared) && declared >= 0) return declared;
  return (await response.body().catch(() => Buffer.alloc(0))).length;
}

/**
 * page.goto, again (at most twice more) when another navigation interrupted it (a late error-page
 * commit, a page script navigating): the interrupting navigation is let finish first, so the retry does
 * not cancel it and get cancelled in turn. When the interrupting navigation was to the same URL (Chromium
 * restarting the load itself, as after a proxied connection closed under it), its outcome is the answer.
 */
async function gotoOnce(page: Page, url: URL, timeoutMs: number): Promise<Response | null> {
  let latest: Response | undefined;
  const onResponse = (response: Response): void => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) latest = response;
  };
  page.on('response', onResponse);
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await page.goto(url.href, { timeout: timeoutMs, waitUntil: 'load' });
      } catch (error) {
        if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('is interrupted by another navigation')) throw error;
        await page.waitForLoadState('load', { timeout: timeoutMs }).catch(() => undefined);
        const restarted = error.message.includes(`interrupted by another navigation to "${url.href}"`);
        if (restarted && latest !== undefined && latest.url() === page.url()) return latest;
      }
    }
  } finally {
    page.off('response', onResponse);
  }
}

function navigationError(session: BrowserSession, error: unknown, url: URL, timeoutMs: number, startedWallMs: number): CoreError {
  // playwright names the URL whose load failed (the last redirect hop): "net::ERR_… at <url>".
  const failedUrl = error instanceof Error ? / at (\S+)$/m.exec(error.message.split('\n')[0] ?? '')?.[1] : undefined;
  // A redirect hop's refusal is reported at the first URL; the proxy's signature says it was one of ours.
  const isProxyRefusal = error instanceof Error && /net::ERR_(EMPTY_RESPONSE|TUNNEL_CONNECTION_FAILED)/.test(error.message);
  const refusal = (failedUrl ? session.refusalFor(failedUrl, startedWallMs) : undefined) ?? (isProxyRefusal ? session.latestRefusal(startedWallMs) : undefined);
  if (refusal) {
    const code = refusal.kind === 'response_too_large' ? 'resource_exhausted' : 'permission_denied';
    return new CoreError(code, `navigation to ${url.origin} refused: ${refusal.reason}`, { cause: error });
  }
  if (error instanceof playwrightErrors.TimeoutError) {
    return new CoreError('deadline_exceeded', `navigation to ${url.origin} did not finish within ${timeoutMs} ms`, { cause: error });
  }
  const netError = error instanceof Error ? /net::ERR_[A-Z_]+/.exec(error.message)?.[0] : undefined;
  if (netError) return new CoreError('unavailable', `navigation to ${url.origin} failed: ${netError}`, { cause: error });
  const line = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  return new CoreError('failed_precondition', `navigation to ${url.origin} failed: ${line.slice(0, 300)}`, { cause: error });
}
