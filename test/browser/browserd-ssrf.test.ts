// The SSRF guard of palyra-browserd: every request a page makes to a forbidden address is refused and logged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { NavigateRequest, SessionBudget } from '../../src/gen/palyra/browser/v1/browser.js';
import { html, startSite, startTestBrowserd, type TestBrowserd, type TestSite } from '../helpers/browserd.js';

const ALICE = 'user:alice';

describe('palyra-browserd SSRF guard (127.0.0.2 allowed, 127.0.0.3 forbidden)', () => {
  let browserd: TestBrowserd;
  let allowed: TestSite;
  let forbidden: TestSite;
  let forbiddenHits = 0;
  let sessionId: string;

  const navigate = (url: string, extra: Partial<NavigateRequest> = {}): NavigateRequest => ({
    v: 1,
    sessionId: { ulid: sessionId },
    url,
    timeoutMs: 5000,
    allowRedirects: true,
    maxRedirects: 5,
    allowPrivateTargets: false,
    ...extra,
  });
  const createSession = (budget?: Partial<SessionBudget>, allowPrivateTargets = false) =>
    browserd.as(ALICE, (c) => c.createSession, {
      v: 1,
      principal: '',
      idleTtlMs: 0,
      budget: budget ? { maxNavigationTimeoutMs: 0, maxSessionLifetimeMs: 0, maxScreenshotBytes: 0, maxResponseBytes: 0, maxActionsPerSession: 0, maxActionsPerSecond: 0, maxTabs: 0, actionTimeoutMs: 0, ...budget } : undefined,
      allowPrivateTargets,
      allowDownloads: false,
      actionAllowedDomains: [],
      channel: '',
    });

  before(async () => {
    forbidden = await startSite('127.0.0.3', (_req, res) => {
      forbiddenHits += 1;
      html(res, '<title>internal</title>secret');
    });
    forbidden.server.on('upgrade', (_req, socket: { destroy(): void }) => {
      forbiddenHits += 1;
      socket.destroy();
    });
    allowed = await startSite('127.0.0.2', (req, res) => {
      const url = req.url ?? '';
      if (url === '/sub') return html(res, `<title>sub</title><img src="${forbidden.origin}/pixel.png">`);
      if (url === '/fetch') {
        return html(res, `<title>fetch</title><script>fetch('${forbidden.origin}/api').then(() => console.log('fetch-ok'), () => console.log('fetch-failed'))</script>`);
      }
      if (url === '/ws') {
        return html(res, `<title>ws</title><script>const w = new WebSocket('ws://127.0.0.3:${new URL(forbidden.origin).port}/socket'); w.onerror = () => console.log('ws-failed'); w.onopen = () => console.log('ws-open')</script>`);
      }
      if (url === '/r1') return res.writeHead(302, { location: '/r2' }).end();
      if (url === '/r2') return res.writeHead(302, { location: `${forbidden.origin}/final` }).end();
      if (url === '/big') return html(res, `<title>big</title>${'x'.repeat(20_000)}`);
      html(res, '<title>ok</title>fine');
    });
    browserd = await startTestBrowserd(['--allow-private-hosts', '127.0.0.2']);
    sessionId = (await createSession()).sessionId?.ulid ?? '';
  });

  after(async () => {
    await browserd?.stop();
    await allowed?.close();
    await forbidden?.close();
  });

  test('top-level navigation to 127.0.0.3 → PERMISSION_DENIED naming the loopback class; nothing reached it', async () => {
    const error = await browserd.failAs(ALICE, (c) => c.navigate, navigate(`${forbidden.origin}/`));
    assert.equal(error.code, status.PERMISSION_DENIED);
    assert.match(error.details, /blocked_address: 127\.0\.0\.3 resolves to 127\.0\.0\.3 \(loopback\)/);
    assert.equal(forbiddenHits, 0);
  });

  test('OpenTab to 127.0.0.3 → PERMISSION_DENIED, the new tab closed again and the previous tab still active', async () => {
    await browserd.as(ALICE, (c) => c.navigate, navigate(`${allowed.origin}/`));
    const before = await browserd.as(ALICE, (c) => c.listTabs, { v: 1, sessionId: { ulid: sessionId } });
    const error = await browserd.failAs(ALICE, (c) => c.openTab, { ...navigate(`${forbidden.origin}/`), activate: true });
    assert.equal(error.code, status.PERMISSION_DENIED);
    assert.match(error.details, /blocked_address: 127\.0\.0\.3/);
    const afterwards = await browserd.as(ALICE, (c) => c.listTabs, { v: 1, sessionId: { ulid: sessionId } });
    assert.deepEqual(afterwards.tabs.map((tab) => tab.tabId?.ulid), before.tabs.map((tab) => tab.tabId?.ulid));
    assert.equal(afterwards.activeTabId?.ulid, before.activeTabId?.ulid);
    assert.equal(afterwards.tabs.find((tab) => tab.tabId?.ulid === afterwards.activeTabId?.ulid)?.title, 'ok');
    assert.equal(forbiddenHits, 0);
  });

  test('localhost and 169.254.169.254 and IPv4-mapped IPv6 → PERMISSION_DENIED with their class', async () => {
    const cases: [string, RegExp][] = [
      [`http://localhost:${new URL(forbidden.origin).port}/`, /\(loopback\)/],
      ['http://169.254.169.254/latest/meta-data/', /\(link_local\)/],
      [`http://[::ffff:127.0.0.3]:${new URL(forbidden.origin).port}/`, /\(loopback\)/],
      ['http://[::ffff:169.254.169.254]/', /\(link_local\)/],
      ['http://10.0.0.1/', /\(private\)/],
    ];
    for (const [url, reason] of cases) {
      const error = await browserd.failAs(ALICE, (c) => c.navigate, navigate(url));
      assert.equal(error.code, status.PERMISSION_DENIED, url);
      assert.match(error.details, reason, url);
    }
    assert.equal(forbiddenHits, 0);
  });

  test('file:, data:, chrome: and javascript: URLs → INVALID_ARGUMENT before the browser sees them', async () => {
    for (const url of ['file:///etc/passwd', 'data:text/html,<b>x</b>', 'chrome://settings', 'javascript:alert(1)']) {
      const error = await browserd.failAs(ALICE, (c) => c.navigate, navigate(url));
      assert.equal(error.code, status.INVALID_ARGUMENT, url);
      assert.match(error.details, /only http and https/);
    }
  });

  test('a redirect chain through the allowed site ending at 127.0.0.3 → PERMISSION_DENIED; the last hop never connects', async () => {
    const error = await browserd.failAs(ALICE, (c) => c.navigate, navigate(`${allowed.origin}/r1`));
    assert.equal(error.code, status.PERMISSION_DENIED);
    assert.match(error.details, /127\.0\.0\.3 \(loopback\)/);
    assert.equal(forbiddenHits, 0);
  });

  test('an allowed page loading an image, a fetch and a WebSocket from 127.0.0.3 → each refused and in the network log', async () => {
    await browserd.as(ALICE, (c) => c.navigate, navigate(`${allowed.origin}/sub`));
    await browserd.as(ALICE, (c) => c.navigate, navigate(`${allowed.origin}/fetch`));
    await browserd.as(ALICE, (c) => c.navigate, navigate(`${allowed.origin}/ws`));
    let consoleText = '';
    for (let attempt = 0; attempt < 40 && !(consoleText.includes('fetch-failed') && consoleText.includes('ws-failed')); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const log = await browserd.as(ALICE, (c) => c.consoleLog, { v: 1, sessionId: { ulid: sessionId }, limit: 0, minimumSeverity: 0 });
      consoleText = log.entries.map((entry) => entry.message).join('\n');
    }
    assert.match(consoleText, /fetch-failed/);
    assert.match(consoleText, /ws-failed/);
    assert.doesNotMatch(consoleText, /fetch-ok|ws-open/);
    const network = await browserd.as(ALICE, (c) => c.networkLog, { v: 1, sessionId: { ulid: sessionId }, limit: 0, includeHeaders: false });
    const blocked = network.entries.filter((entry) => entry.blocked);
    for (const path of ['/pixel.png', '/api']) {
      const entry = blocked.find((candidate) => candidate.requestUrl === `${forbidden.origin}${path}`);
      assert.ok(entry, `${path} refused: ${JSON.stringify(blocked.map((b) => b.requestUrl))}`);
      assert.match(entry.blockedReason, /\(loopback\)/);
    }
    assert.ok(blocked.some((entry) => entry.requestUrl.includes('127.0.0.3') && entry.method !== 'GET'), 'the WebSocket tunnel was refused');
    assert.equal(forbiddenHits, 0);
    assert.match(browserd.logs(), /"msg":"browser request refused"/);
    assert.ok(!browserd.logs().includes('/api'), 'logs carry the origin only');
  });

  test('a response over max_response_bytes → RESOURCE_EXHAUSTED', async () => {
    const small = await createSession({ maxResponseBytes: 5000 });
    const error = await browserd.failAs(ALICE, (c) => c.navigate, { ...navigate(`${allowed.origin}/big`), sessionId: small.sessionId });
    assert.equal(error.code, status.RESOURCE_EXHAUSTED);
    assert.match(error.details, /max_response_bytes 5000/);
  });

  test('allow_private_targets without the operator permitting it → PERMISSION_DENIED', async () => {
    const error = await browserd.failAs(ALICE, (c) => c.createSession, {
      v: 1,
      principal: '',
      idleTtlMs: 0,
      budget: undefined,
      allowPrivateTargets: true,
      allowDownloads: false,
      actionAllowedDomains: [],
      channel: '',
    });
    assert.equal(error.code, status.PERMISSION_DENIED);
    assert.match(error.details, /--allow-session-private-targets/);
  });
});
