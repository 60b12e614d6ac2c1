// Element actions on one tab: click, type, press, select, scroll and wait, each bounded by a timeout.
import type { Page } from 'playwright-core';
import { CoreError } from '../../core/errors.js';

/** @throws `invalid_argument` for an empty value. */
export function required(value: string, field: string): string {
  if (value.trim() === '') throw new CoreError('invalid_argument', `${field} is required`);
  return value;
}

/** Clicks `selector`, retrying up to `maxRetries` more times when the element was not clickable (not on timeout). */
export async function clickElement(page: Page, selector: string, timeoutMs: number, maxRetries: number): Promise<number> {
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      await page.locator(selector).click({ timeout: timeoutMs });
      return attempts;
    } catch (error) {
      const isTimeout = error instanceof Error && error.name === 'TimeoutError';
      if (isTimeout || attempts > Math.min(maxRetries, 3)) throw error;
    }
  }
}

/** Types `text` into `selector`: replaces its value when `clearExisting`, else types key by key after what is there. */
export async function typeInto(page: Page, selector: string, text: string, clearExisting: boolean, timeoutMs: number): Promise<void> {
  const locator = page.locator(selector);
  if (clearExisting) await locator.fill(text, { timeout: timeoutMs });
  else await locator.pressSequentially(text, { timeout: timeoutMs });
}

export async function pressKey(page: Page, key: string): Promise<void> {
  await page.keyboard.press(key);
}

export async function selectOptions(page: Page, selector: string, values: string[], timeoutMs: number): Promise<string[]> {
  return page.locator(selector).selectOption(values, { timeout: timeoutMs });
}

export async function scrollBy(page: Page, deltaX: number, deltaY: number): Promise<{ scrollX: number; scrollY: number }> {
  const [scrollX, scrollY] = await page.evaluate<[number, number], [number, number]>(
    // Runs in the page: the deltas are arguments, never spliced into the source.
    ([x, y]) => {
      const view = globalThis as unknown as { scrollBy(x: number, y: number): void; scrollX: number; scrollY: number };
      view.scrollBy(x, y);
      return [view.scrollX, view.scrollY];
    },
    [deltaX, deltaY],
  );
  return { scrollX: Math.round(scrollX), scrollY: Math.round(scrollY) };
}

export interface WaitResult {
  waitedMs: number;
  matchedSelector: string;
  matchedText: string;
}

/** Waits until `selector` is visible, or `text` is visible somewhere on the page. */
export async function waitForTarget(page: Page, selector: string, text: string, timeoutMs: number): Promise<WaitResult> {
  if (selector === '' && text === '') throw new CoreError('invalid_argument', 'selector or text is required');
  const startedMs = performance.now();
  if (selector !== '') await page.locator(selector).first().waitFor({ state: 'visible', timeout: timeoutMs });
  else await page.getByText(text).first().waitFor({ state: 'visible', timeout: timeoutMs });
  return { waitedMs: Math.round(performance.now() - startedMs), matchedSelector: selector, matchedText: selector === '' ? text : '' };
}
