// Engine values ↔ palyra.browser.v1 messages.
import type { BrowserActionLog as ActionLog, BrowserSessionSummary, BrowserTab, SessionBudget as ProtoBudget } from '../../gen/palyra/browser/v1/browser.js';
import type { SessionBudget } from '../engine/limits.js';
import type { ActionRecord, BrowserSession, TabInfo } from '../engine/session.js';

export function budgetFromProto(budget: ProtoBudget | undefined, idleTtlMs: number): Partial<SessionBudget> {
  return {
    navigationTimeoutMs: budget?.maxNavigationTimeoutMs ?? 0,
    actionTimeoutMs: budget?.actionTimeoutMs ?? 0,
    sessionLifetimeMs: budget?.maxSessionLifetimeMs ?? 0,
    idleTtlMs,
    maxScreenshotBytes: budget?.maxScreenshotBytes ?? 0,
    maxResponseBytes: budget?.maxResponseBytes ?? 0,
    maxActionsPerSession: budget?.maxActionsPerSession ?? 0,
    maxActionsPerSecond: budget?.maxActionsPerSecond ?? 0,
    maxTabs: budget?.maxTabs ?? 0,
  };
}

export function budgetToProto(budget: SessionBudget): ProtoBudget {
  return {
    maxNavigationTimeoutMs: budget.navigationTimeoutMs,
    actionTimeoutMs: budget.actionTimeoutMs,
    maxSessionLifetimeMs: budget.sessionLifetimeMs,
    maxScreenshotBytes: budget.maxScreenshotBytes,
    maxResponseBytes: budget.maxResponseBytes,
    maxActionsPerSession: budget.maxActionsPerSession,
    maxActionsPerSecond: budget.maxActionsPerSecond,
    maxTabs: budget.maxTabs,
  };
}

export function tabToProto(tab: TabInfo): BrowserTab {
  return { tabId: { ulid: tab.tabId }, url: tab.url, title: tab.title, active: tab.active };
}

export function summaryToProto(session: BrowserSession): BrowserSessionSummary {
  const { settings } = session;
  return {
    sessionId: { ulid: session.id },
    principal: settings.principal,
    channel: settings.channel,
    createdAtUnixMs: session.createdAtMs,
    lastActiveUnixMs: session.lastActiveMs,
    idleTtlMs: settings.budget.idleTtlMs,
    expiresAtUnixMs: session.expiresAtMs,
    tabCount: session.tabCount,
    actionCount: session.actionCount,
    activeTabUrl: session.activeTabUrl,
    downloadsEnabled: settings.downloadsEnabled,
    allowPrivateTargets: settings.allowPrivateTargets,
  };
}

export function actionLogToProto(record: ActionRecord): ActionLog {
  return {
    action: record.action,
    selector: record.selector,
    outcome: 'ok',
    startedAtUnixMs: record.startedAtMs,
    completedAtUnixMs: record.completedAtMs,
    attempts: record.attempts,
    pageUrl: record.pageUrl,
  };
}
