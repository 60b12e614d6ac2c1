// Every BrowserService RPC against real pages on 127.0.0.2, through the real palyra-browserd and Chromium.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { BrowserServiceClient as Client } from '../../src/gen/palyra/browser/v1/browser.js';
import { callError } from '../helpers/grpc-client.js';
import { BROWSERD_TOKEN, html, startSite, startTestBrowserd, type TestBrowserd, type TestSite } from '../helpers/browserd.js';

const ALICE = 'user:alice';
const DOWNLOAD_BODY = 'quarantined bytes\n'.repeat(100);

const FORM_PAGE = `<!doctype html><title>Form page</title>
<label>Name <input id="name"></label>
<select id="color"><option value="red">Red</option><option value="blue">Blue</option></select>
<button id="go" onclick="document.getElementById('out').textContent = 'Hello ' + document.getElementById('name').value + ', ' + document.getElementById('color').value">Go</button>
<p id="out"></p>
<a id="dl" href="/file.bin" download>download</a>
<a id="pop" href="/second" target="_blank">popup</a>
<script>
  document.getElementById('name').addEventListener('keydown', (e) => { if (e.key === 'Enter') document.getElementById('out').textContent = 'entered'; });
  console.error('boom from the page');
  document.cookie = 'visited=1';
  setTimeout(() => { const p = document.createElement('p'); p.textContent = 'late arrival'; document.body.append(p); }, 300);
  setTimeout(() => { throw new Error('uncaught in page'); }, 0);
</script>
<div style="height: 4000px">tall</div>`;

describe('palyra-browserd RPCs against real pages', () => {
  let browserd: TestBrowserd;
  let site: TestSite;
  let sessionId: string;

  before(async () => {
    site = await startSite('127.0.0.2', (req, res) => {
      if (req.url === '/form') return html(res, FORM_PAGE);
      if (req.url === '/second') return html(res, '<title>Second</title><p>second page</p>');
      if (req.url === '/file.bin') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="../../evil.bin"' });
        return res.end(DOWNLOAD_BODY);
      }
      html(res, 'missing', 404);
    });
    browserd = await startTestBrowserd(['--allow-private-hosts', '127.0.0.2']);
    const created = await browserd.as(ALICE, (c) => c.createSession, { v: 1, principal: '', idleTtlMs: 0, budget: undefined, allowPrivateTargets: false, allowDownloads: true, actionAllowedDomains: [], channel: 'test' });
    sessionId = created.sessionId?.ulid ?? '';
    assert.ok(created.downloadsEnabled);
    assert.equal(created.effectiveBudget?.maxTabs, 32);
  });

  after(async () => {
    await browserd?.stop();
    await site?.close();
  });

  const sid = () => ({ ulid: sessionId });

  test('Health with token and principal → ok with the active session count', async () => {
    const health = await browserd.as(ALICE, (c) => c.health, { v: 1 });
    assert.equal(health.status, 'ok');
    assert.equal(health.activeSessions, 1);
    assert.match(browserd.ready.version, /^\d+\./);
    const healthz = await fetch(`http://${browserd.ready.health}/healthz`);
    assert.equal(healthz.status, 200);
  });

  test('Navigate, Type, Select, Click, Press, WaitFor, Scroll, GetTitle → the form works as in a browser', async () => {
    const nav = await browserd.as(ALICE, (c) => c.navigate, { v: 1, sessionId: sid(), url: `${site.origin}/form`, timeoutMs: 0, allowRedirects: true, maxRedirects: 0, allowPrivateTargets: false });
    assert.equal(nav.statusCode, 200);
    assert.equal(nav.title, 'Form page');
    assert.equal(nav.finalUrl, `${site.origin}/form`);
    assert.ok(nav.bodyBytes > 100);
    const typed = await browserd.as(ALICE, (c) => c.type, { v: 1, sessionId: sid(), selector: '#name', text: 'Ada', clearExisting: true, timeoutMs: 0 });
    assert.equal(typed.typedBytes, 3);
    const selected = await browserd.as(ALICE, (c) => c.select, { v: 1, sessionId: sid(), selector: '#color', values: ['blue'], timeoutMs: 0 });
    assert.deepEqual(selected.selectedValues, ['blue']);
    const clicked = await browserd.as(ALICE, (c) => c.click, { v: 1, sessionId: sid(), selector: '#go', maxRetries: 0, timeoutMs: 0 });
    assert.equal(clicked.actionLog?.action, 'click');
    const seen = await browserd.as(ALICE, (c) => c.observe, { v: 1, sessionId: sid(), includeDomSnapshot: true, includeAccessibilityTree: true, includeVisibleText: true, maxDomSnapshotBytes: 0, maxAccessibilityTreeBytes: 0, maxVisibleTextBytes: 0 });
    assert.match(seen.visibleText, /Hello Ada, blue/);
    assert.match(seen.domSnapshot, /<select id="color">/);
    assert.match(seen.accessibilityTree, /button "Go"/);
    assert.equal(seen.domTruncated, false);
    const capped = await browserd.as(ALICE, (c) => c.observe, { v: 1, sessionId: sid(), includeDomSnapshot: true, includeAccessibilityTree: false, includeVisibleText: false, maxDomSnapshotBytes: 50, maxAccessibilityTreeBytes: 0, maxVisibleTextBytes: 0 });
    assert.equal(capped.domTruncated, true);
    assert.ok(Buffer.byteLength(capped.domSnapshot) <= 50);
    await browserd.as(ALICE, (c) => c.click, { v: 1, sessionId: sid(), selector: '#name', maxRetries: 0, timeoutMs: 0 });
    const pressed = await browserd.as(ALICE, (c) => c.press, { v: 1, sessionId: sid(), key: 'Enter', timeoutMs: 0 });
    assert.equal(pressed.key, 'Enter');
    const waited = await browserd.as(ALICE, (c) => c.waitFor, { v: 1, sessionId: sid(), selector: '', text: 'late arrival', timeoutMs: 3000, pollIntervalMs: 0 });
    assert.equal(waited.matchedText, 'late arrival');
    const out = await browserd.as(ALICE, (c) => c.observe, { v: 1, sessionId: sid(), includeDomSnapshot: false, includeAccessibilityTree: false, includeVisibleText: true, maxDomSnapshotBytes: 0, maxAccessibilityTreeBytes: 0, maxVisibleTextBytes: 0 });
    assert.match(out.visibleText, /entered/);
    const scrolled = await browserd.as(ALICE, (c) => c.scroll, { v: 1, sessionId: sid(), deltaX: 0, deltaY: 500 });
    assert.equal(scrolled.scrollY, 500);
    const title = await browserd.as(ALICE, (c) => c.getTitle, { v: 1, sessionId: sid(), maxTitleBytes: 4 });
    assert.equal(title.title, 'Form');
  });

  test('an empty selector → INVALID_ARGUMENT; a selector that never appears → DEADLINE_EXCEEDED', async () => {
    const empty = await browserd.failAs(ALICE, (c) => c.click, { v: 1, sessionId: sid(), selector: ' ', maxRetries: 0, timeoutMs: 0 });
    assert.equal(empty.code, status.INVALID_ARGUMENT);
    const missing = await browserd.failAs(ALICE, (c) => c.click, { v: 1, sessionId: sid(), selector: '#nowhere', maxRetries: 0, timeoutMs: 300 });
    assert.equal(missing.code, status.DEADLINE_EXCEEDED);
    assert.match(missing.details, /within 300 ms/);
  });

  test('Screenshot PNG and JPEG → image bytes; a cap below the image → RESOURCE_EXHAUSTED', async () => {
    const png = await browserd.as(ALICE, (c) => c.screenshot, { v: 1, sessionId: sid(), maxBytes: 0, format: 'png' });
    assert.equal(png.mimeType, 'image/png');
    assert.deepEqual([...png.imageBytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const jpeg = await browserd.as(ALICE, (c) => c.screenshot, { v: 1, sessionId: sid(), maxBytes: 0, format: 'jpeg' });
    assert.equal(jpeg.mimeType, 'image/jpeg');
    const tooBig = await browserd.failAs(ALICE, (c) => c.screenshot, { v: 1, sessionId: sid(), maxBytes: 100, format: 'png' });
    assert.equal(tooBig.code, status.RESOURCE_EXHAUSTED);
    assert.match(tooBig.details, /exceeds max_bytes 100/);
  });

  test('ConsoleLog → the console.error and the uncaught exception; NetworkLog → the document with headers', async () => {
    const errors = await browserd.as(ALICE, (c) => c.consoleLog, { v: 1, sessionId: sid(), limit: 0, minimumSeverity: 4 });
    assert.ok(errors.entries.some((entry) => entry.kind === 'console' && entry.message === 'boom from the page'));
    assert.ok(errors.entries.some((entry) => entry.kind === 'page_error' && entry.message.includes('uncaught in page')));
    const network = await browserd.as(ALICE, (c) => c.networkLog, { v: 1, sessionId: sid(), limit: 0, includeHeaders: true });
    const document = network.entries.find((entry) => entry.requestUrl === `${site.origin}/form`);
    assert.equal(document?.statusCode, 200);
    assert.equal(document?.resourceType, 'document');
    assert.ok(document?.headers.some((header) => header.name === 'content-type'));
  });

  test('ExportPdf → a PDF whose sha256 matches its bytes', async () => {
    const pdf = await browserd.as(ALICE, (c) => c.exportPdf, { v: 1, sessionId: sid(), maxBytes: 0 });
    assert.equal(pdf.pdfBytes.subarray(0, 5).toString(), '%PDF-');
    assert.equal(pdf.sizeBytes, pdf.pdfBytes.length);
    assert.equal(pdf.sha256, createHash('sha256').update(pdf.pdfBytes).digest('hex'));
  });

  test('a download link → ListDownloadArtifacts has it quarantined with its size and sha256, name sanitised', async () => {
    await browserd.as(ALICE, (c) => c.click, { v: 1, sessionId: sid(), selector: '#dl', maxRetries: 0, timeoutMs: 0 });
    // The download event follows the click asynchronously; ListDownloadArtifacts waits for downloads in progress.
    let listed = await browserd.as(ALICE, (c) => c.listDownloadArtifacts, { v: 1, sessionId: sid(), limit: 0 });
    for (let attempt = 0; attempt < 40 && listed.artifacts.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listed = await browserd.as(ALICE, (c) => c.listDownloadArtifacts, { v: 1, sessionId: sid(), limit: 0 });
    }
    assert.equal(listed.artifacts.length, 1);
    const [artifact] = listed.artifacts;
    assert.equal(artifact?.sizeBytes, Buffer.byteLength(DOWNLOAD_BODY));
    assert.equal(artifact?.sha256, createHash('sha256').update(DOWNLOAD_BODY).digest('hex'));
    assert.equal(artifact?.quarantined, true);
    assert.ok(!artifact?.fileName.includes('/'));
    assert.equal(readFileSync(artifact?.quarantinePath ?? '', 'utf8'), DOWNLOAD_BODY);
  });

  test('OpenTab, a popup, ListTabs, SwitchTab, CloseTab → tabs tracked with their ids', async () => {
    const opened = await browserd.as(ALICE, (c) => c.openTab, { v: 1, sessionId: sid(), url: `${site.origin}/second`, activate: true, timeoutMs: 0, allowRedirects: false, maxRedirects: 0, allowPrivateTargets: false });
    assert.equal(opened.navigated, true);
    assert.equal(opened.tab?.title, 'Second');
    const listed = await browserd.as(ALICE, (c) => c.listTabs, { v: 1, sessionId: sid() });
    assert.equal(listed.tabs.length, 2);
    assert.equal(listed.activeTabId?.ulid, opened.tab?.tabId?.ulid);
    const first = listed.tabs.find((tab) => tab.tabId?.ulid !== opened.tab?.tabId?.ulid);
    const switched = await browserd.as(ALICE, (c) => c.switchTab, { v: 1, sessionId: sid(), tabId: first?.tabId });
    assert.equal(switched.activeTab?.title, 'Form page');
    await browserd.as(ALICE, (c) => c.click, { v: 1, sessionId: sid(), selector: '#pop', maxRetries: 0, timeoutMs: 0 });
    // The popup opens after the click returns.
    let withPopup = await browserd.as(ALICE, (c) => c.listTabs, { v: 1, sessionId: sid() });
    for (let attempt = 0; attempt < 40 && withPopup.tabs.length < 3; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      withPopup = await browserd.as(ALICE, (c) => c.listTabs, { v: 1, sessionId: sid() });
    }
    assert.equal(withPopup.tabs.length, 3);
    assert.equal(withPopup.activeTabId?.ulid, withPopup.tabs[2]?.tabId?.ulid, 'the popup becomes the active tab');
    await browserd.as(ALICE, (c) => c.waitFor, { v: 1, sessionId: sid(), selector: '', text: 'second page', timeoutMs: 3000, pollIntervalMs: 0 });
    const closed = await browserd.as(ALICE, (c) => c.closeTab, { v: 1, sessionId: sid(), tabId: opened.tab?.tabId });
    assert.equal(closed.tabsRemaining, 2);
    const unknownTab = await browserd.failAs(ALICE, (c) => c.switchTab, { v: 1, sessionId: sid(), tabId: opened.tab?.tabId });
    assert.equal(unknownTab.code, status.NOT_FOUND);
  });

  test('ResetState → cookies cleared and counted, tabs reset to one blank tab', async () => {
    const reset = await browserd.as(ALICE, (c) => c.resetState, { v: 1, sessionId: sid(), clearCookies: true, clearStorage: true, resetTabs: true, resetPermissions: true });
    assert.ok(reset.cookiesCleared >= 1);
    assert.equal(reset.storageOriginsCleared, 1);
    assert.equal(reset.tabsClosed, 2);
    const detail = await browserd.as(ALICE, (c) => c.getSession, { v: 1, sessionId: sid() });
    assert.equal(detail.tabs.length, 1);
    assert.equal(detail.tabs[0]?.url, 'about:blank');
    assert.equal(detail.summary?.principal, ALICE);
  });

  test('another principal → NOT_FOUND with the same message as an unknown session, on every session-scoped RPC', async () => {
    const unknown = '01J00000000000000000000000';
    const foreign = await browserd.failAs('user:mallory', (c) => c.getSession, { v: 1, sessionId: sid() });
    const missing = await browserd.failAs('user:mallory', (c) => c.getSession, { v: 1, sessionId: { ulid: unknown } });
    assert.equal(foreign.code, status.NOT_FOUND);
    assert.equal(missing.code, status.NOT_FOUND);
    assert.equal(foreign.details.replace(sessionId, 'ID'), missing.details.replace(unknown, 'ID'));
    for (const attempt of [
      browserd.failAs('user:mallory', (c) => c.navigate, { v: 1, sessionId: sid(), url: `${site.origin}/form`, timeoutMs: 0, allowRedirects: false, maxRedirects: 0, allowPrivateTargets: false }),
      browserd.failAs('user:mallory', (c) => c.consoleLog, { v: 1, sessionId: sid(), limit: 0, minimumSeverity: 0 }),
      browserd.failAs('user:mallory', (c) => c.exportPdf, { v: 1, sessionId: sid(), maxBytes: 0 }),
      browserd.failAs('user:mallory', (c) => c.closeSession, { v: 1, sessionId: sid() }),
    ]) {
      assert.equal((await attempt).code, status.NOT_FOUND);
    }
    const mine = await browserd.as('user:mallory', (c) => c.listSessions, { v: 1, limit: 0 });
    assert.equal(mine.sessions.length, 0);
    const alices = await browserd.as(ALICE, (c) => c.listSessions, { v: 1, limit: 0 });
    assert.equal(alices.sessions.length, 1);
  });

  test('a wrong token or no principal → UNAUTHENTICATED, on Health too', async () => {
    const client: Client = browserd.client;
    const badToken = await callError(client, client.health, { v: 1 }, { token: 'wrong', principal: ALICE });
    assert.equal(badToken.code, status.UNAUTHENTICATED);
    assert.match(badToken.details, /missing or invalid browser service token/);
    const noPrincipal = await callError(client, client.getSession, { v: 1, sessionId: sid() }, { token: BROWSERD_TOKEN });
    assert.equal(noPrincipal.code, status.UNAUTHENTICATED);
    assert.match(noPrincipal.details, /missing caller principal/);
    assert.ok(!browserd.logs().includes(BROWSERD_TOKEN));
  });

  test('CloseSession → closed; the session is then NOT_FOUND', async () => {
    const closed = await browserd.as(ALICE, (c) => c.closeSession, { v: 1, sessionId: sid() });
    assert.equal(closed.closed, true);
    const gone = await browserd.failAs(ALICE, (c) => c.getSession, { v: 1, sessionId: sid() });
    assert.equal(gone.code, status.NOT_FOUND);
  });
});
