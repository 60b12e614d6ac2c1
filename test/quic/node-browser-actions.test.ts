// The rest of browser.* on a node (select, scroll, tabs, console and network logs, PDF, reset_state): a real daemon,
// a real paired `palyra node run` with [browser] enabled, real Chromium, pages served on 127.0.0.2 (127.0.0.3 forbidden).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { NodeAdminServiceClient } from '../../src/gen/palyra/node/v1/node.js';
import { html, startSite, type TestSite } from '../helpers/browserd.js';
import { call } from '../helpers/grpc-client.js';
import { type NodeHostFixture, startNodeHost } from '../helpers/node-host.js';

interface Tab { tab_id: string; url: string; title: string; active: boolean }

const PAGES: Record<string, string> = {
  '/form': '<!doctype html><title>Form</title><select id="color"><option value="red">Red</option><option value="green">Green</option><option value="blue">Blue</option></select>',
  '/tall': '<!doctype html><title>Tall</title><div style="height:6000px">top</div>',
  '/second': '<!doctype html><title>Second tab</title><p>second</p>',
  '/console': '<!doctype html><title>Console</title><script>console.error("boom on the node page"); console.log("api token=s3cret-console")</script>',
  '/net': '<!doctype html><title>Net</title><script>fetch("/api/data", { headers: { Authorization: "Bearer s3cret-request" } }).then((r) => r.text()).then((t) => document.body.append("fetched " + t))</script>',
  '/flood': '<!doctype html><title>Flood</title><script>for (let i = 0; i < 300; i += 1) console.warn("line " + i + " " + "x".repeat(1000))</script>',
  '/cookie': '<!doctype html><title>Cookie</title><p>cookie set</p>',
};

describe('browser select, scroll, tabs, logs, PDF and reset_state on a node (real daemon, node host and Chromium)', () => {
  let host: NodeHostFixture;
  let allowed: TestSite;
  let forbidden: TestSite;
  let forbiddenHits = 0;

  const ok = async (capability: string, input: unknown, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const result = await host.invoke(capability, input, extra);
    assert.equal(result.success, true, `${capability}: ${result.error}`);
    return result.output ?? {};
  };
  const page = (path: string) => `${allowed.origin}${path}`;

  before(async () => {
    allowed = await startSite('127.0.0.2', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/api/data') {
        // Echoes the page's credential back in response headers, which the network log shows.
        const credential = req.headers.authorization ?? '';
        res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-authorization': credential, authorization: credential });
        res.end('ok');
        return;
      }
      if (path === '/cookie') res.setHeader('set-cookie', 'sid=s3cret-cookie; Path=/');
      if (path === '/echo-cookie') return html(res, `<!doctype html><title>Echo</title><p>cookie header: ${req.headers.cookie === undefined ? 'none' : 'present'}</p>`);
      html(res, PAGES[path] ?? '<!doctype html><title>Home</title>', PAGES[path] === undefined && path !== '/' ? 404 : 200);
    });
    forbidden = await startSite('127.0.0.3', (_req, res) => {
      forbiddenHits += 1;
      html(res, '<title>secret</title>');
    });
    host = await startNodeHost({
      daemon: { env: { PALYRA_BROWSER_ENABLED: 'false', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } },
      nodeToml: '[browser]\nenabled = true\nallowed_hosts = ["127.0.0.2"]\n',
    });
    await ok('browser.session.create', {});
  });
  after(async () => {
    await host?.close();
    await allowed?.close();
    await forbidden?.close();
  });

  test('select a <select> option → the value now selected; no values → invalid input naming the field', async () => {
    await ok('browser.navigate', { url: page('/form') });
    const selected = await ok('browser.select', { selector: '#color', values: ['green'] });
    assert.deepEqual(selected['selected_values'], ['green']);
    assert.equal(selected['page_url'], page('/form'));
    const empty = await host.invoke('browser.select', { selector: '#color', values: [] });
    assert.equal(empty.success, false);
    assert.match(empty.error, /^invalid input: \/values /);
  });

  test('scroll a tall page by 1200 px → scroll_y 1200; a delta past the page → stops at its end', async () => {
    await ok('browser.navigate', { url: page('/tall') });
    const scrolled = await ok('browser.scroll', { delta_y: 1200 });
    assert.equal(scrolled['scroll_y'], 1200);
    assert.equal(scrolled['scroll_x'], 0);
    const end = await ok('browser.scroll', { delta_y: 100_000 });
    assert.ok(Number(end['scroll_y']) > 1200 && Number(end['scroll_y']) < 6000, JSON.stringify(end));
  });

  test('tabs: open a second page, list, switch back, close it → one tab left, the first active', async () => {
    await ok('browser.navigate', { url: page('/form') });
    const first = (await ok('browser.tabs.list', {}))['tabs'] as Tab[];
    assert.equal(first.length, 1);
    const opened = await ok('browser.tabs.open', { url: page('/second'), activate: true });
    const second = opened['tab'] as Tab;
    assert.equal(opened['navigated'], true);
    assert.equal(opened['status_code'], 200);
    assert.deepEqual({ title: second.title, active: second.active }, { title: 'Second tab', active: true });
    const listed = await ok('browser.tabs.list', {});
    assert.deepEqual((listed['tabs'] as Tab[]).map((tab) => tab.title).sort(), ['Form', 'Second tab']);
    assert.equal(listed['active_tab_id'], second.tab_id);
    const switched = (await ok('browser.tabs.switch', { tab_id: first[0]!.tab_id }))['active_tab'] as Tab;
    assert.deepEqual({ title: switched.title, active: switched.active }, { title: 'Form', active: true });
    assert.equal((await ok('browser.title', {}))['title'], 'Form');
    const closed = await ok('browser.tabs.close', { tab_id: second.tab_id });
    assert.deepEqual({ closed: closed['closed_tab_id'], remaining: closed['tabs_remaining'], active: (closed['active_tab'] as Tab).tab_id }, { closed: second.tab_id, remaining: 1, active: first[0]!.tab_id });
    const unknown = await host.invoke('browser.tabs.switch', { tab_id: second.tab_id });
    assert.equal(unknown.error, `not_found: tab not found: ${second.tab_id}`);
  });

  test('tabs.open to a forbidden address → permission_denied from the node\'s guard, nothing reaches it, no tab left behind; file: → invalid_argument', async () => {
    const before = await ok('browser.tabs.list', {});
    const refused = await host.invoke('browser.tabs.open', { url: `${forbidden.origin}/`, activate: true });
    assert.equal(refused.success, false);
    assert.match(refused.error, /^permission_denied: navigation to http:\/\/127\.0\.0\.3:\d+ refused/);
    assert.equal(forbiddenHits, 0);
    const file = await host.invoke('browser.tabs.open', { url: 'file:///etc/passwd' });
    assert.match(file.error, /^invalid_argument: url scheme file: is not allowed/);
    const afterwards = await ok('browser.tabs.list', {});
    assert.deepEqual((afterwards['tabs'] as Tab[]).map((tab) => tab.tab_id), (before['tabs'] as Tab[]).map((tab) => tab.tab_id));
    assert.equal(afterwards['active_tab_id'], before['active_tab_id']);
  });

  test('console_log → the page\'s console.error at severity 4; a logged token → redacted', async () => {
    await ok('browser.navigate', { url: page('/console') });
    const errors = (await ok('browser.console_log', { minimum_severity: 4 }))['entries'] as Array<Record<string, unknown>>;
    assert.ok(errors.some((entry) => entry['message'] === 'boom on the node page' && entry['kind'] === 'console'), JSON.stringify(errors));
    assert.ok(errors.every((entry) => entry['severity'] === 4));
    const all = await ok('browser.console_log', {});
    assert.ok(!JSON.stringify(all).includes('s3cret'), JSON.stringify(all));
    assert.ok((all['entries'] as Array<Record<string, unknown>>).some((entry) => entry['message'] === '<redacted>' && entry['severity'] === 2));
  });

  test('console_log of 300 messages of 1 KB with max_output_bytes 8192 → the latest that fit, truncated, never output_too_large', async () => {
    await ok('browser.navigate', { url: page('/flood') });
    const fitted = await ok('browser.console_log', { limit: 200, minimum_severity: 3 }, { max_output_bytes: 8192 });
    const entries = fitted['entries'] as Array<Record<string, unknown>>;
    assert.ok(Buffer.byteLength(JSON.stringify(fitted)) <= 8192);
    assert.equal(fitted['truncated'], true);
    assert.ok(entries.length >= 5 && entries.length < 10, String(entries.length));
    assert.match(String(entries.at(-1)!['message']), /^line 299 x/);
  });

  test('network_log with headers → the page\'s fetch with its status; the credential echoed in headers → redacted', async () => {
    await ok('browser.navigate', { url: page('/net') });
    await ok('browser.wait_for', { text: 'fetched ok' });
    let entry: Record<string, unknown> | undefined;
    let output: Record<string, unknown> = {};
    // The log entry is written when Chromium reports the request finished, just after the page saw the body.
    for (let attempt = 0; attempt < 40 && !entry; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25));
      output = await ok('browser.network_log', { include_headers: true });
      entry = (output['entries'] as Array<Record<string, unknown>>).find((item) => item['request_url'] === page('/api/data'));
    }
    assert.ok(entry, JSON.stringify(output));
    assert.deepEqual({ method: entry['method'], type: entry['resource_type'], status: entry['status_code'], blocked: entry['blocked'] }, { method: 'GET', type: 'fetch', status: 200, blocked: false });
    const headers = Object.fromEntries((entry['headers'] as Array<{ name: string; value: string }>).map((header) => [header.name, header.value]));
    assert.equal(headers['x-seen-authorization'], '<redacted>');
    assert.equal(headers['authorization'], '<redacted>');
    assert.ok(!JSON.stringify(output).includes('s3cret'), JSON.stringify(output));
    const bare = await ok('browser.network_log', { limit: 1 });
    assert.equal((bare['entries'] as unknown[]).length, 1);
    assert.equal((bare['entries'] as Array<Record<string, unknown>>)[0]!['headers'], undefined);
  });

  test('pdf → base64 of a PDF (%PDF-) with its size and sha256; over max_output_bytes → resource_exhausted, not a cut document', async () => {
    await ok('browser.navigate', { url: page('/form') });
    const pdf = await ok('browser.pdf', {}, { max_output_bytes: 262_144 });
    const bytes = Buffer.from(String(pdf['pdf_base64']), 'base64');
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(pdf['mime_type'], 'application/pdf');
    assert.equal(bytes.length, pdf['size_bytes']);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), pdf['sha256']);
    const small = await host.invoke('browser.pdf', {}, { max_output_bytes: 2048 });
    assert.equal(small.success, false);
    assert.match(small.error, /^resource_exhausted: PDF of \d+ bytes exceeds max_bytes 1152/);
  });

  test('reset_state after a page set a cookie → the cookie is cleared and no longer sent; tabs back to one blank tab', async () => {
    await ok('browser.navigate', { url: page('/cookie') });
    await ok('browser.tabs.open', { url: page('/second') });
    await ok('browser.navigate', { url: page('/echo-cookie') });
    assert.match(String((await ok('browser.observe', {}))['visible_text']), /cookie header: present/);
    const open = ((await ok('browser.tabs.list', {}))['tabs'] as Tab[]).length;
    assert.ok(open >= 2);
    const reset = await ok('browser.reset_state', {});
    assert.deepEqual({ cookies: reset['cookies_cleared'], tabs: reset['tabs_closed'], permissions: reset['permissions_reset'] }, { cookies: 1, tabs: open, permissions: false });
    const tabs = (await ok('browser.tabs.list', {}))['tabs'] as Tab[];
    assert.deepEqual(tabs.map((tab) => tab.url), ['about:blank']);
    await ok('browser.navigate', { url: page('/echo-cookie') });
    assert.match(String((await ok('browser.observe', {}))['visible_text']), /cookie header: none/);
  });

  test('another principal names my session on each new capability → the same not_found as an unknown id', async () => {
    const mine = String((await ok('browser.session.create', {}))['session_id']);
    const inputs: Record<string, Record<string, unknown>> = {
      'browser.select': { selector: '#color', values: ['red'] },
      'browser.scroll': { delta_y: 10 },
      'browser.tabs.list': {},
      'browser.tabs.open': { url: page('/second') },
      'browser.tabs.switch': { tab_id: newId() },
      'browser.tabs.close': {},
      'browser.console_log': {},
      'browser.network_log': {},
      'browser.pdf': {},
      'browser.reset_state': {},
    };
    const client = new NodeAdminServiceClient(host.daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      for (const [capability, input] of Object.entries(inputs)) {
        const as = (sessionId: string) =>
          call(client, client.invokeNode, { v: 1, deviceId: { ulid: host.deviceId }, capability, inputJson: Buffer.from(JSON.stringify({ ...input, session_id: sessionId })), timeoutMs: 0, maxOutputBytes: 0 }, { token: host.daemon.adminToken, principal: 'admin:intruder', deviceId: newId() });
        const unknown = newId();
        assert.deepEqual([(await as(mine)).error, (await as(unknown)).error], [`not_found: browser session not found: ${mine}`, `not_found: browser session not found: ${unknown}`], capability);
      }
    } finally {
      client.close();
    }
    assert.equal(((await ok('browser.tabs.list', { session_id: mine }))['tabs'] as Tab[]).length, 1);
    await ok('browser.session.close', { session_id: mine });
  });
});
