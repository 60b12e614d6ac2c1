// Headless Chromium (Debian's, driven by playwright-core) against a real daemon: pages that fail on any
// console error, uncaught exception or unexpected failed request, plus sign-in, screenshots, axe checks and
// fixtures of a daemon with Chromium (and a signed-in console).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';
import { removeStateDir, type StartOptions, startDaemon, type TestDaemon } from './daemon.js';

export const CHROMIUM_PATH = process.env.PALYRA_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join('test-output', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchChromium(): Promise<Browser> {
  // playwright-core's launch makes a fresh temporary user-data dir per browser.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed requests seen so far that were not allowed. */
  problems: string[];
  /** Lets failures whose text contains `fragment` through (e.g. a 401 the test provokes). */
  allow(fragment: string): void;
  /** Throws if any problem was seen. */
  assertClean(): void;
  close(): Promise<void>;
}

export interface ConsoleOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
}

/**
 * A fresh browser context on the daemon's console. Aborted requests (streams closed by a reload or a
 * navigation) are not problems; every other failed request, response ≥ 400, console error or uncaught
 * exception is, unless allowed.
 */
export async function openConsole(browser: Browser, daemon: TestDaemon, options: ConsoleOptions = {}): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    colorScheme: options.colorScheme ?? 'light',
    baseURL: daemon.ready.http,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: daemon.ready.http });
  const page = await context.newPage();
  const problems: string[] = [];
  const allowed: string[] = [];
  const report = (text: string) => {
    if (!allowed.some((fragment) => text.includes(fragment))) problems.push(text);
  };
  page.on('console', (message) => {
    if (message.type() === 'error') report(`console error: ${message.text()} at ${message.location().url}`);
  });
  page.on('pageerror', (error) => report(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    if (failure.includes('ERR_ABORTED')) return;
    report(`request failed: ${request.method()} ${request.url()} ${failure}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) report(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return {
    context,
    page,
    problems,
    allow: (fragment) => allowed.push(fragment),
    assertClean() {
      if (problems.length > 0) throw new Error(`browser problems:\n${problems.join('\n')}`);
    },
    close: () => context.close(),
  };
}

/** Signs in through the form with the daemon's admin token and waits for the chat page. */
export async function signIn(page: Page, daemon: TestDaemon): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Admin token').fill(daemon.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * A fresh console signed in through the form. The sign-in page's probe for an existing session (a 401) is
 * let through, and so is every fragment in `allow`.
 */
export async function openSignedInConsole(browser: Browser, daemon: TestDaemon, options: ConsoleOptions & { allow?: string[] } = {}): Promise<ConsolePage> {
  const console = await openConsole(browser, daemon, options);
  console.allow('/console/v1/auth/session');
  for (const fragment of options.allow ?? []) console.allow(fragment);
  await signIn(console.page, daemon);
  return console;
}

/** A real daemon and a headless Chromium. A test that restarts the daemon assigns the new one to `daemon`, so close() stops that one. */
export interface BrowserDaemon {
  daemon: TestDaemon;
  browser: Browser;
  /** Closes the console (if any), Chromium and the daemon, and removes the daemon's state dir. */
  close(): Promise<void>;
}

export interface SignedInConsole extends BrowserDaemon {
  console: ConsolePage;
}

async function closeAll(fixture: { daemon: TestDaemon; browser?: Browser; console?: ConsolePage }): Promise<void> {
  await fixture.console?.close();
  await fixture.browser?.close();
  await fixture.daemon.stop();
  removeStateDir(fixture.daemon.stateDir);
}

export async function startBrowserDaemon(options: StartOptions = {}): Promise<BrowserDaemon> {
  const daemon = await startDaemon(options);
  try {
    const fixture: BrowserDaemon = { daemon, browser: await launchChromium(), close: () => closeAll(fixture) };
    return fixture;
  } catch (error) {
    await closeAll({ daemon });
    throw error;
  }
}

/** startBrowserDaemon, then a console signed in as in openSignedInConsole. */
export async function startSignedInConsole(options: StartOptions & { allow?: string[] } = {}): Promise<SignedInConsole> {
  const { allow, ...daemonOptions } = options;
  const { daemon, browser } = await startBrowserDaemon(daemonOptions);
  try {
    const fixture: SignedInConsole = { daemon, browser, console: await openSignedInConsole(browser, daemon, { allow }), close: () => closeAll(fixture) };
    return fixture;
  } catch (error) {
    await closeAll({ daemon, browser });
    throw error;
  }
}

/**
 * Evaluates `expression` (JavaScript source) in the page. Browser code is passed as text so the
 * test programs type-check without the DOM library, which would clash with Node's types.
 */
export async function inPage<T>(page: Page | Frame, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** axe-core on the current page: the serious and critical violations, as readable lines. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}
