// A session's tabs and state as actions both doors run: open (through the navigation guard), switch, close, reset.
import { CoreError } from '../../core/errors.js';
import { checkNavigation, type NavigateInput, navigatePage } from './navigation.js';
import type { BrowserSession, TabInfo } from './session.js';

export interface OpenedTab {
  tab: TabInfo;
  navigated: boolean;
  /** The navigation's status; 0 for a blank tab. */
  statusCode: number;
}

export interface ClosedTab {
  closedTabId: string;
  activeTab: TabInfo | undefined;
  tabsRemaining: number;
}

export interface ResetRequest {
  clearCookies: boolean;
  clearStorage: boolean;
  resetTabs: boolean;
  resetPermissions: boolean;
}

export interface ResetResult {
  cookiesCleared: number;
  storageOriginsCleared: number;
  tabsClosed: number;
  permissionsReset: boolean;
}

/**
 * A new tab, blank when `url` is empty, else loaded like `navigateSession` (same scheme check,
 * redirect limit and egress guard); a load that fails closes the new tab again. @throws
 * `resource_exhausted` at max_tabs, and as `checkNavigation` and `navigatePage`.
 */
export async function openTabInSession(session: BrowserSession, input: NavigateInput & { activate: boolean }): Promise<OpenedTab> {
  const url = input.url === '' ? undefined : checkNavigation(session, input);
  const { tabId, statusCode } = await session.act('open_tab', 'open_tab', session.settings.budget.navigationTimeoutMs, async () => {
    const previous = session.activeTab;
    const opened = await session.openTab(input.activate);
    if (!url) return { tabId: opened, statusCode: 0 };
    try {
      return { tabId: opened, statusCode: (await navigatePage(session, session.page(opened), url, input)).statusCode };
    } catch (error) {
      // A refused or failed load leaves no blank tab behind to count against max_tabs.
      await session.abandonTab(opened, previous);
      throw error;
    }
  });
  return { tab: await session.describeTab(tabId), navigated: url !== undefined, statusCode };
}

/** Makes `tabId` the active tab and brings it to the front. @throws `not_found` for an unknown tab. */
export async function switchTabInSession(session: BrowserSession, tabId: string): Promise<TabInfo> {
  session.switchTab(tabId);
  await session.page(tabId).bringToFront();
  return session.describeTab(tabId);
}

/** Closes `tabId` (undefined = the active tab). @throws `not_found` for an unknown tab, `failed_precondition` with no tab open. */
export async function closeTabInSession(session: BrowserSession, tabId: string | undefined): Promise<ClosedTab> {
  const closing = tabId ?? session.activeTab;
  if (!closing) throw new CoreError('failed_precondition', 'the session has no open tab');
  await session.serialised(() => session.closeTab(closing));
  const active = session.activeTab;
  return { closedTabId: closing, activeTab: active ? await session.describeTab(active) : undefined, tabsRemaining: session.tabCount };
}

/** Clears what `request` names, as one counted action. */
export async function resetSessionState(session: BrowserSession, request: ResetRequest): Promise<ResetResult> {
  return session.act('reset_state', 'reset_state', session.settings.budget.navigationTimeoutMs, async () => {
    const storageOriginsCleared = request.clearStorage ? await session.clearStorage() : 0;
    const cookiesCleared = request.clearCookies ? await session.clearCookies() : 0;
    const tabsClosed = request.resetTabs ? await session.resetTabs() : 0;
    if (request.resetPermissions) await session.resetPermissions();
    return { cookiesCleared, storageOriginsCleared, tabsClosed, permissionsReset: request.resetPermissions };
  });
}
