// palyra.browser.v1.BrowserService over the browser engine: every method authenticated, session-scoped ones owner-checked.
import type { BrowserServiceServer } from '../../gen/palyra/browser/v1/browser.js';
import { CoreError } from '../../core/errors.js';
import { checkVersion, optionalId, PROTOCOL_MAJOR, requiredId, toCanonicalId } from '../../transport/grpc/convert/ids.js';
import type { BrowserEngine } from '../engine/engine.js';
import { listLimit } from '../engine/limits.js';
import type { BrowserSession } from '../engine/session.js';
import { clickInSession, navigateSession, observeSession, pdfOfSession, pressInSession, readTitle, screenshotSession, scrollInSession, selectInSession, typeInSession, waitInSession } from '../engine/session-actions.js';
import { closeTabInSession, openTabInSession, resetSessionState, switchTabInSession } from '../engine/session-tabs.js';
import { actionLogToProto, budgetFromProto, budgetToProto, summaryToProto, tabToProto } from './convert.js';
import { type BrowserHandlerDeps, browserUnary } from './handler.js';

const v = PROTOCOL_MAJOR;

export interface BrowserServiceDeps extends BrowserHandlerDeps {
  engine: BrowserEngine;
}

export function browserService(deps: BrowserServiceDeps): BrowserServiceServer {
  const { engine } = deps;
  const unary = <Req, Res>(impl: (request: Req, principal: string) => Promise<Res> | Res) => browserUnary(deps, impl);
  const sessionOf = (principal: string, request: { v: number; sessionId?: { ulid: string } | undefined }): BrowserSession => {
    checkVersion(request.v);
    return engine.session(principal, requiredId(request.sessionId, 'session_id'));
  };

  return {
    health: unary((request) => {
      checkVersion(request.v);
      return { v, status: 'ok', uptimeSeconds: Math.floor((Date.now() - engine.startedAtMs) / 1000), activeSessions: engine.sessionCount };
    }),

    createSession: unary(async (request, principal) => {
      checkVersion(request.v);
      if (request.principal !== '' && request.principal !== principal) {
        throw new CoreError('permission_denied', 'principal in the request differs from x-palyra-principal');
      }
      const session = await engine.createSession({
        principal,
        channel: request.channel,
        budget: budgetFromProto(request.budget, request.idleTtlMs),
        allowPrivateTargets: request.allowPrivateTargets,
        allowDownloads: request.allowDownloads,
        actionAllowedDomains: request.actionAllowedDomains,
      });
      return {
        v,
        sessionId: { ulid: session.id },
        createdAtUnixMs: session.createdAtMs,
        effectiveBudget: budgetToProto(session.settings.budget),
        downloadsEnabled: session.settings.downloadsEnabled,
        idleTtlMs: session.settings.budget.idleTtlMs,
      };
    }),

    closeSession: unary(async (request, principal) => {
      checkVersion(request.v);
      await engine.closeSession(principal, requiredId(request.sessionId, 'session_id'));
      return { v, closed: true, reason: 'closed' };
    }),

    listSessions: unary((request, principal) => {
      checkVersion(request.v);
      const page = engine.listSessions(principal, listLimit(request.limit));
      return { v, sessions: page.sessions.map(summaryToProto), truncated: page.truncated };
    }),

    getSession: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const tabs = await session.listTabs();
      return { v, summary: summaryToProto(session), effectiveBudget: budgetToProto(session.settings.budget), tabs: tabs.map(tabToProto), activeTabId: toCanonicalId(session.activeTab) };
    }),

    navigate: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const result = await navigateSession(session, { url: request.url, timeoutMs: request.timeoutMs, allowRedirects: request.allowRedirects, maxRedirects: request.maxRedirects, allowPrivateTargets: request.allowPrivateTargets });
      return { v, finalUrl: result.finalUrl, statusCode: result.statusCode, title: result.title, bodyBytes: result.bodyBytes, latencyMs: result.latencyMs };
    }),

    click: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const log = await clickInSession(session, request);
      return { v, actionLog: actionLogToProto(log) };
    }),

    type: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const log = await typeInSession(session, request);
      return { v, typedBytes: Buffer.byteLength(request.text), actionLog: actionLogToProto(log) };
    }),

    press: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const log = await pressInSession(session, request);
      return { v, key: request.key, actionLog: actionLogToProto(log) };
    }),

    select: unary(async (request, principal) => {
      const { result, log } = await selectInSession(sessionOf(principal, request), request);
      return { v, selectedValues: result, actionLog: actionLogToProto(log) };
    }),

    scroll: unary(async (request, principal) => {
      const { result, log } = await scrollInSession(sessionOf(principal, request), request);
      return { v, scrollX: result.scrollX, scrollY: result.scrollY, actionLog: actionLogToProto(log) };
    }),

    waitFor: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const { result, log } = await waitInSession(session, request);
      return { v, waitedMs: result.waitedMs, matchedSelector: result.matchedSelector, matchedText: result.matchedText, actionLog: actionLogToProto(log) };
    }),

    getTitle: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      return { v, title: await readTitle(session, request.maxTitleBytes) };
    }),

    screenshot: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const shot = await screenshotSession(session, request);
      return { v, imageBytes: shot.bytes, mimeType: shot.mimeType };
    }),

    observe: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const seen = await observeSession(session, request);
      return {
        v,
        pageUrl: seen.pageUrl,
        domSnapshot: seen.domSnapshot?.text ?? '',
        domTruncated: seen.domSnapshot?.truncated ?? false,
        accessibilityTree: seen.accessibilityTree?.text ?? '',
        accessibilityTreeTruncated: seen.accessibilityTree?.truncated ?? false,
        visibleText: seen.visibleText?.text ?? '',
        visibleTextTruncated: seen.visibleText?.truncated ?? false,
      };
    }),

    listTabs: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const tabs = await session.listTabs();
      return { v, tabs: tabs.map(tabToProto), activeTabId: toCanonicalId(session.activeTab) };
    }),

    openTab: unary(async (request, principal) => {
      const opened = await openTabInSession(sessionOf(principal, request), request);
      return { v, tab: tabToProto(opened.tab), navigated: opened.navigated, statusCode: opened.statusCode };
    }),

    switchTab: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      return { v, activeTab: tabToProto(await switchTabInSession(session, requiredId(request.tabId, 'tab_id'))) };
    }),

    closeTab: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const closed = await closeTabInSession(session, optionalId(request.tabId, 'tab_id'));
      return { v, closedTabId: { ulid: closed.closedTabId }, activeTab: closed.activeTab ? tabToProto(closed.activeTab) : undefined, tabsRemaining: closed.tabsRemaining };
    }),

    consoleLog: unary((request, principal) => {
      const session = sessionOf(principal, request);
      const page = session.logs.readConsole(request.limit, request.minimumSeverity);
      return {
        v,
        truncated: page.truncated,
        entries: page.entries.map((entry) => ({
          severity: entry.severity,
          kind: entry.kind,
          message: entry.message,
          sourceUrl: entry.sourceUrl,
          line: entry.line,
          capturedAtUnixMs: entry.capturedAtMs,
          tabId: { ulid: entry.tabId },
          messageTruncated: entry.messageTruncated,
        })),
      };
    }),

    networkLog: unary((request, principal) => {
      const session = sessionOf(principal, request);
      const page = session.logs.readNetwork(request.limit);
      return {
        v,
        truncated: page.truncated,
        entries: page.entries.map((entry) => ({
          requestUrl: entry.requestUrl,
          method: entry.method,
          resourceType: entry.resourceType,
          statusCode: entry.statusCode,
          latencyMs: entry.latencyMs,
          capturedAtUnixMs: entry.capturedAtMs,
          blocked: entry.blocked,
          blockedReason: entry.blockedReason,
          responseBytes: entry.responseBytes,
          headers: request.includeHeaders ? entry.headers.map(([name, value]) => ({ name, value })) : [],
        })),
      };
    }),

    exportPdf: unary(async (request, principal) => {
      const pdf = await pdfOfSession(sessionOf(principal, request), request);
      return { v, pdfBytes: pdf.bytes, mimeType: pdf.mimeType, sizeBytes: pdf.bytes.length, sha256: pdf.sha256 };
    }),

    resetState: unary(async (request, principal) => {
      return { v, ...(await resetSessionState(sessionOf(principal, request), request)) };
    }),

    listDownloadArtifacts: unary(async (request, principal) => {
      const session = sessionOf(principal, request);
      const artifacts = await session.downloads.list(session.settings.budget.actionTimeoutMs);
      const limit = listLimit(request.limit);
      return {
        v,
        truncated: artifacts.length > limit,
        artifacts: artifacts.slice(-limit).map((artifact) => ({
          artifactId: { ulid: artifact.artifactId },
          fileName: artifact.fileName,
          sourceUrl: artifact.sourceUrl,
          sizeBytes: artifact.sizeBytes,
          sha256: artifact.sha256,
          quarantined: true,
          quarantineReason: artifact.quarantineReason,
          createdAtUnixMs: artifact.createdAtMs,
          quarantinePath: artifact.quarantinePath,
        })),
      };
    }),
  };
}
