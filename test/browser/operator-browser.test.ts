// Operators driving the daemon's browser: the /admin/v1 open/navigate/screenshot/close routes and `palyra browser …`,
// against a real daemon with its supervised palyra-browserd and Chromium, on pages served on 127.0.0.2.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { html, startSite, type TestSite } from '../helpers/browserd.js';
import { runCli } from '../helpers/cli.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface SessionWire { session_id: string; principal: string; state: string; current_url: string | null; latest_screenshot_id: string | null; action_count: number }
interface ErrorWire { code: string; error: string }

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

describe('operator browser routes and `palyra browser` (real palyra-browserd and Chromium)', () => {
  let daemon: TestDaemon;
  let site: TestSite;
  let outDir: string;
  const page = (path: string) => `${site.origin}${path}`;
  const cli = (...args: string[]) => runCli(['--url', daemon.ready.http, '--token', daemon.adminToken, ...args], { timeoutMs: 60_000 });
  const post = (path: string, body: unknown, token = daemon.adminToken) =>
    fetch(`${daemon.ready.http}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const open = async (url?: string): Promise<SessionWire> => {
    const response = await post('/admin/v1/browser/sessions', url === undefined ? {} : { url });
    assert.equal(response.status, 201, await response.clone().text());
    return ((await response.json()) as { session: SessionWire }).session;
  };

  before(async () => {
    site = await startSite('127.0.0.2', (req, res) => html(res, `<!doctype html><title>Page ${req.url}</title><h1>Operator page ${req.url}</h1>`));
    outDir = mkdtempSync(join(tmpdir(), 'palyra-browser-cli-'));
    daemon = await startDaemon({ env: { PALYRA_BROWSER_ENABLED: 'true', PALYRA_BROWSER_ALLOW_PRIVATE_HOSTS: '127.0.0.2', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    const deadline = Date.now() + 30_000;
    while (((await (await daemon.admin('/admin/v1/status')).json()) as { browser: { state: string } }).browser.state !== 'up') {
      if (Date.now() > deadline) throw new Error(`browser service not up:\n${daemon.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(async () => {
    await daemon?.stop();
    if (daemon) removeStateDir(daemon.stateDir);
    await site?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  describe('HTTP', () => {
    test('open with a URL → 201 on the page; navigate → final URL and title; screenshot → a PNG artifact that is the latest screenshot; the action log has each step', async () => {
      const session = await open(page('/a'));
      assert.equal(session.state, 'open');
      assert.equal(session.principal, 'admin:local');
      assert.equal(session.current_url, page('/a'));

      const navigated = await post(`/admin/v1/browser/sessions/${session.session_id}/navigate`, { url: page('/b') });
      assert.equal(navigated.status, 200);
      assert.deepEqual(await navigated.json(), { final_url: page('/b'), status_code: 200, title: 'Page /b' });

      const shot = await post(`/admin/v1/browser/sessions/${session.session_id}/screenshot`, {});
      assert.equal(shot.status, 200);
      const taken = (await shot.json()) as { artifact_id: string; size_bytes: number };
      const latest = await daemon.admin(`/admin/v1/browser/sessions/${session.session_id}/screenshot`);
      assert.equal(latest.headers.get('content-type'), 'image/png');
      const bytes = Buffer.from(await latest.arrayBuffer());
      assert.equal(bytes.length, taken.size_bytes);
      assert.deepEqual([...bytes.subarray(0, 4)], PNG_MAGIC);

      const log = (await (await daemon.admin(`/admin/v1/browser/sessions/${session.session_id}/actions`)).json()) as { actions: { action: string; target: string; success: boolean; artifact_id: string | null }[] };
      assert.deepEqual(log.actions.map((entry) => [entry.action, entry.target, entry.success]), [['createSession', '', true], ['navigate', page('/a'), true], ['navigate', page('/b'), true], ['screenshot', '', true]]);
      assert.equal(log.actions[3]!.artifact_id, taken.artifact_id);
    });

    test('navigate to a site the SSRF guard refuses (127.0.0.3) → 403 permission_denied; the failure is in the action log', async () => {
      const session = await open();
      const refused = await post(`/admin/v1/browser/sessions/${session.session_id}/navigate`, { url: `http://127.0.0.3:${new URL(site.origin).port}/` });
      const body = (await refused.json()) as ErrorWire;
      assert.equal(refused.status, 403, JSON.stringify(body));
      assert.equal(body.code, 'permission_denied');
      assert.match(body.error, /127\.0\.0\.3.*loopback/);
      const log = (await (await daemon.admin(`/admin/v1/browser/sessions/${session.session_id}/actions`)).json()) as { actions: { action: string; success: boolean; error: string }[] };
      assert.deepEqual(log.actions.at(-1), { ...log.actions.at(-1), action: 'navigate', success: false });
      assert.match(log.actions.at(-1)!.error, /^permission_denied/);
    });

    test('navigate to a port nothing listens on → 503 with the browser\'s net:: reason, not "service unavailable"', async () => {
      const closed = await startSite('127.0.0.2', () => undefined);
      await closed.close();
      const session = await open();
      const refused = await post(`/admin/v1/browser/sessions/${session.session_id}/navigate`, { url: `${closed.origin}/` });
      assert.equal(refused.status, 503);
      assert.match(((await refused.json()) as ErrorWire).error, /^browser service: navigation to .* failed: net::ERR_[A-Z_]+$/);
    });

    test('open with a file: URL → 400, and the session it made is closed again', async () => {
      const before = ((await (await daemon.admin('/admin/v1/browser/sessions')).json()) as { sessions: SessionWire[] }).sessions.length;
      const refused = await post('/admin/v1/browser/sessions', { url: 'file:///etc/passwd' });
      assert.equal(refused.status, 400, 'file: is refused as a bad URL');
      const sessions = ((await (await daemon.admin('/admin/v1/browser/sessions')).json()) as { sessions: SessionWire[] }).sessions;
      assert.equal(sessions.length, before + 1);
      assert.equal(sessions[0]!.state, 'closed');
    });

    test('a closed session → navigate and screenshot answer 412 failed_precondition naming the state', async () => {
      const session = await open();
      assert.equal((await post(`/admin/v1/browser/sessions/${session.session_id}/close`, {})).status, 200);
      for (const [action, body] of [['navigate', { url: page('/') }], ['screenshot', {}]] as const) {
        const refused = await post(`/admin/v1/browser/sessions/${session.session_id}/${action}`, body);
        assert.equal(refused.status, 412, action);
        assert.match(((await refused.json()) as ErrorWire).error, /is closed: open a new one/);
      }
    });

    test("another principal's session → 404 like an unknown one; its own list leaves it out", async () => {
      const session = await open();
      const created = await daemon.admin('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'other', principal: 'user:other', scopes: ['browser:read', 'browser:write'] }) });
      const other = ((await created.json()) as { token: string }).token;
      const theirs = await post(`/admin/v1/browser/sessions/${session.session_id}/navigate`, { url: page('/') }, other);
      const unknown = await post(`/admin/v1/browser/sessions/${newId()}/navigate`, { url: page('/') }, other);
      assert.equal(theirs.status, 404);
      assert.equal(unknown.status, 404);
      assert.equal(((await theirs.json()) as ErrorWire).error.replace(session.session_id, 'ID'), ((await unknown.json()) as ErrorWire).error.replace(/[0-9A-Z]{26}/, 'ID'));
      const list = await fetch(`${daemon.ready.http}/admin/v1/browser/sessions`, { headers: { authorization: `Bearer ${other}` } });
      assert.deepEqual(((await list.json()) as { sessions: SessionWire[] }).sessions, []);
    });

    test('navigate without a url → 400 invalid_argument', async () => {
      const session = await open();
      const refused = await post(`/admin/v1/browser/sessions/${session.session_id}/navigate`, {});
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as ErrorWire).code, 'invalid_argument');
    });
  });

  describe('palyra browser', () => {
    test('open <url> → the id and URL; navigate → status, URL and title; screenshot -o → a 0600 PNG; close → closed', async () => {
      const opened = await cli('browser', 'open', page('/cli'));
      assert.equal(opened.code, 0, opened.stderr);
      const [id, url] = opened.stdout.trim().split(' ');
      assert.match(id!, /^[0-9A-Z]{26}$/);
      assert.equal(url, page('/cli'));

      const navigated = await cli('browser', 'navigate', id!, page('/next'));
      assert.equal(navigated.code, 0, navigated.stderr);
      assert.equal(navigated.stdout, `200 ${page('/next')} Page /next\n`);

      const file = join(outDir, 'shot.png');
      const shot = await cli('browser', 'screenshot', id!, '-o', file);
      assert.equal(shot.code, 0, shot.stderr);
      assert.match(shot.stdout, new RegExp(`^${file} \\(\\d+ bytes, artifact [0-9A-Z]{26}\\)\\n$`));
      assert.deepEqual([...readFileSync(file).subarray(0, 4)], PNG_MAGIC);
      assert.equal(statSync(file).mode & 0o777, 0o600);

      const listed = await cli('browser', 'sessions');
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^SESSION_ID\s+STATE\s+PRINCIPAL\s+URL\s+ACTIONS$/m);
      assert.match(listed.stdout, new RegExp(`^${id}\\s+open\\s+admin:local\\s+${page('/next')}\\s+4$`, 'm'));

      const closed = await cli('browser', 'close', id!);
      assert.equal(closed.stdout, `${id} closed\n`);
    });

    test('--json → sessions as an array, open and navigate as one document each', async () => {
      const opened = await cli('--json', 'browser', 'open');
      const session = JSON.parse(opened.stdout) as SessionWire;
      assert.equal(session.state, 'open');
      assert.equal(session.current_url, null);
      const navigated = JSON.parse((await cli('--json', 'browser', 'navigate', session.session_id, page('/j'))).stdout) as { title: string };
      assert.equal(navigated.title, 'Page /j');
      const sessions = JSON.parse((await cli('--json', 'browser', 'sessions')).stdout) as SessionWire[];
      assert.equal(sessions.find((entry) => entry.session_id === session.session_id)?.current_url, page('/j'));
    });

    test('an unknown session → exit 5 with a hint to list sessions; a malformed id → exit 2', async () => {
      const unknown = await cli('browser', 'navigate', newId(), page('/'));
      assert.equal(unknown.code, 5);
      assert.match(unknown.stderr, /^palyra: browser_session not found: [0-9A-Z]{26}\nhint: `palyra browser sessions` lists the sessions you can use\n$/);
      const json = await cli('--json', 'browser', 'close', newId());
      assert.equal((JSON.parse(json.stderr) as { error: { code: string; hint: string } }).error.code, 'not_found');
      const malformed = await cli('browser', 'close', 'nope');
      assert.equal(malformed.code, 2);
    });

    test('a refused page → exit 6 with the guard\'s reason; a closed session → exit 1 saying so', async () => {
      const { session_id: id } = await open();
      const refused = await cli('browser', 'navigate', id, 'http://169.254.169.254/latest/meta-data/');
      assert.equal(refused.code, 6);
      assert.match(refused.stderr, /^palyra: browser service: .*169\.254\.169\.254 \(link_local\); the operator can permit it with --allow-private-hosts \(the daemon's browser\.allow_private_hosts\).*\nhint: the browser's address guard refused the page/);
      await cli('browser', 'close', id);
      const closed = await cli('browser', 'screenshot', id, '-o', join(outDir, 'never.png'));
      assert.equal(closed.code, 1);
      assert.match(closed.stderr, /is closed: open a new one/);
    });

    test('status → a browser line: up, why, the child endpoint', async () => {
      const result = await cli('status');
      assert.match(result.stdout, /^browser {4}up \(on: browser\.enabled = true\), child at 127\.0\.0\.1:\d+$/m);
    });
  });
});
