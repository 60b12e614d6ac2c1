// Observe: what an agent reads from a page — DOM, visible text, accessibility tree — each capped.
import type { Page } from 'playwright-core';
import { capUtf8, type CappedText } from './text-caps.js';

export interface ObserveInput {
  includeDomSnapshot: boolean;
  includeAccessibilityTree: boolean;
  includeVisibleText: boolean;
  /** 0 = the default cap of each part. */
  maxDomSnapshotBytes: number;
  maxAccessibilityTreeBytes: number;
  maxVisibleTextBytes: number;
}

export interface Observation {
  pageUrl: string;
  domSnapshot?: CappedText;
  accessibilityTree?: CappedText;
  visibleText?: CappedText;
}

export const DEFAULT_OBSERVE_CAPS = { dom: 64 * 1024, accessibilityTree: 32 * 1024, visibleText: 32 * 1024 };

function cap(requested: number, fallback: number, ceiling: number): number {
  return Math.min(requested > 0 ? requested : fallback, ceiling);
}

/** Each part is capped by its own limit and by `ceilingBytes` (the session's max_response_bytes). */
export async function observePage(page: Page, input: ObserveInput, timeoutMs: number, ceilingBytes: number): Promise<Observation> {
  const observation: Observation = { pageUrl: page.url() };
  if (input.includeDomSnapshot) {
    observation.domSnapshot = capUtf8(await page.content(), cap(input.maxDomSnapshotBytes, DEFAULT_OBSERVE_CAPS.dom, ceilingBytes));
  }
  if (input.includeVisibleText) {
    const text = await page.evaluate<string>('document.body ? document.body.innerText : ""');
    observation.visibleText = capUtf8(text, cap(input.maxVisibleTextBytes, DEFAULT_OBSERVE_CAPS.visibleText, ceilingBytes));
  }
  if (input.includeAccessibilityTree) {
    const tree = await page.locator(':root').ariaSnapshot({ timeout: timeoutMs });
    observation.accessibilityTree = capUtf8(tree, cap(input.maxAccessibilityTreeBytes, DEFAULT_OBSERVE_CAPS.accessibilityTree, ceilingBytes));
  }
  return observation;
}
