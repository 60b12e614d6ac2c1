// palyra-browserd budgets, timeouts, start-up refusals and SIGTERM, against the real process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { SessionBudget } from '../../src/gen/palyra/browser/v1/browser.js';
import { BROWSERD_BIN, html, startSite, startTestBrowserd, type TestBrowserd, type TestSite } from '../helpers/browserd.js';

const ALICE = 'user:alice';

describe('palyra-browserd limits', () => {
  let browserd: TestBrowserd;
  let site: TestSite;

  const create = (principal: string, budget: Partial<SessionBudget> = {}, idleTtlMs = 0) =>
    browserd.as(principal, (c) => c.createSession, {
      v: 1,
      principal: '',
      idleTtlMs,
      budget: { maxNavigationTimeoutMs: 0, maxSessionLifetimeMs: 0, maxScreenshotBytes: 0, maxResponseBytes: 0, maxActionsPerSession: 0, maxActionsPerSecond: 0, maxTabs: 0, actionTimeoutMs: 0, ...budget },
      allowPrivateTargets: false,
      allowDownloads: false,
      actionAllowedDomains: [],
      channel: '',
    });
  const close = (principal: string, ulid: string | undefined) => browserd.as(principal, (c) => c.closeSession, { v: 1, sessionId: { ulid: ulid ?? '' } });
  const title = (principal: string, ulid: string | undefined) => browserd.as(principal, (c) => c.getTitle, { v: 1, sessionId: { ulid: ulid ?? '' }, maxTitleBytes: 0 });

  /** Resolves once `principal` has no session `ulid` (ListSessions does not count as activity). */
  async function waitUntilGone(principal: string, ulid: string | undefined): Promise<void> {
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const listed = await browserd.as(principal, (c) => c.listSessions, { v: 1, limit: 0 });
      if (!listed.sessions.some((session) => session.sessionId?.ulid === ulid)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`session ${ulid} still open`);
  }

  before(async () => {
    // /hang never answers: the navigation timeout must end the call.
    site = await startSite('127.0.0.2', (req, res) => (req.url === '/hang' ? undefined : html(res, '<title>ok</title>')));
    browserd = await startTestBrowserd(['--allow-private-hosts', '127.0.0.2', '--max-sessions', '3', '--max-sessions-per-principal', '2']);
  });

  after(async () => {
    if (browserd?.process.exitCode === null) await browserd.stop();
    await site?.close();
  });

  test('sessions per principal, then in total → RESOURCE_EXHAUSTED naming the limit', async () => {
    const first = await create(ALICE);
    const second = await create(ALICE);
    const third = await browserd.failAs(ALICE, (c) => c.createSession, { v: 1, principal: '', idleTtlMs: 0, budget: undefined, allowPrivateTargets: false, allowDownloads: false, actionAllowedDomains: [], channel: '' });
    assert.equal(third.code, status.RESOURCE_EXHAUSTED);
    assert.match(third.details, /max_sessions_per_principal/);
    const bobs = await create('user:bob');
    const total = await browserd.failAs('user:carol', (c) => c.createSession, { v: 1, principal: '', idleTtlMs: 0, budget: undefined, allowPrivateTargets: false, allowDownloads: false, actionAllowedDomains: [], channel: '' });
    assert.equal(total.code, status.RESOURCE_EXHAUSTED);
    assert.match(total.details, /\(max_sessions\)/);
    await close(ALICE, first.sessionId?.ulid);
    await close(ALICE, second.sessionId?.ulid);
    await close('user:bob', bobs.sessionId?.ulid);
  });

  test('a principal in the request body other than the caller → PERMISSION_DENIED', async () => {
    const error = await browserd.failAs(ALICE, (c) => c.createSession, { v: 1, principal: 'user:bob', idleTtlMs: 0, budget: undefined, allowPrivateTargets: false, allowDownloads: false, actionAllowedDomains: [], channel: '' });
    assert.equal(error.code, status.PERMISSION_DENIED);
  });

  test('max_tabs 2 → the third tab is RESOURCE_EXHAUSTED', async () => {
    const session = await create(ALICE, { maxTabs: 2 });
    const open = () => browserd.as(ALICE, (c) => c.openTab, { v: 1, sessionId: session.sessionId, url: '', activate: false, timeoutMs: 0, allowRedirects: false, maxRedirects: 0, allowPrivateTargets: false });
    await open();
    const error = await open().then(() => assert.fail('third tab opened'), (thrown: { code: number; details: string }) => thrown);
    assert.equal(error.code, status.RESOURCE_EXHAUSTED);
    assert.match(error.details, /max_tabs 2/);
    await close(ALICE, session.sessionId?.ulid);
  });

  test('max_actions_per_session 3 → the fourth action is RESOURCE_EXHAUSTED', async () => {
    const session = await create(ALICE, { maxActionsPerSession: 3 });
    for (let index = 0; index < 3; index += 1) await title(ALICE, session.sessionId?.ulid);
    const error = await browserd.failAs(ALICE, (c) => c.getTitle, { v: 1, sessionId: session.sessionId, maxTitleBytes: 0 });
    assert.equal(error.code, status.RESOURCE_EXHAUSTED);
    assert.match(error.details, /budget of 3 actions/);
    await close(ALICE, session.sessionId?.ulid);
  });

  test('max_actions_per_second 2 → a third action in the same second is RESOURCE_EXHAUSTED', async () => {
    const session = await create(ALICE, { maxActionsPerSecond: 2 });
    const results = await Promise.allSettled([0, 1, 2].map(() => title(ALICE, session.sessionId?.ulid)));
    const refused = results.filter((result) => result.status === 'rejected');
    assert.equal(refused.length, 1);
    assert.match(String((refused[0] as PromiseRejectedResult).reason), /more than 2 actions per second/);
    await close(ALICE, session.sessionId?.ulid);
  });

  test('a page that never answers with timeout_ms 300 → DEADLINE_EXCEEDED', async () => {
    const session = await create(ALICE);
    const startedMs = performance.now();
    const error = await browserd.failAs(ALICE, (c) => c.navigate, { v: 1, sessionId: session.sessionId, url: `${site.origin}/hang`, timeoutMs: 300, allowRedirects: false, maxRedirects: 0, allowPrivateTargets: false });
    assert.equal(error.code, status.DEADLINE_EXCEEDED);
    assert.match(error.details, /within 300 ms/);
    assert.ok(performance.now() - startedMs < 3000);
    await close(ALICE, session.sessionId?.ulid);
  });

  test('idle TTL 300 ms and a lifetime of 800 ms → the sessions are closed by the sweeper and logged', async () => {
    const idle = await create(ALICE, {}, 300);
    const shortLived = await create(ALICE, { maxSessionLifetimeMs: 800 });
    await waitUntilGone(ALICE, idle.sessionId?.ulid);
    await waitUntilGone(ALICE, shortLived.sessionId?.ulid);
    const gone = await browserd.failAs(ALICE, (c) => c.getSession, { v: 1, sessionId: idle.sessionId });
    assert.equal(gone.code, status.NOT_FOUND);
    assert.match(browserd.logs(), /"reason":"idle_ttl"/);
    assert.match(browserd.logs(), /"reason":"lifetime"/);
  });

  test('SIGTERM with a session open → exit 0 within 2 s', async () => {
    await create(ALICE);
    const startedMs = performance.now();
    const code = await browserd.stop();
    assert.equal(code, 0);
    assert.ok(performance.now() - startedMs < 2000, `took ${performance.now() - startedMs} ms`);
    assert.match(browserd.logs(), /palyra-browserd stopped/);
  });

  test('no token configured → refuses to start unless --allow-no-token, and never on a non-loopback listener', () => {
    const env = { ...process.env, PALYRA_BROWSERD_TOKEN: '' };
    const bare = spawnSync(process.execPath, [BROWSERD_BIN, '--grpc-listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0'], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(bare.status, 1);
    assert.match(bare.stderr, /--allow-no-token/);
    const wide = spawnSync(process.execPath, [BROWSERD_BIN, '--grpc-listen', '0.0.0.0:0', '--health-listen', '127.0.0.1:0', '--allow-no-token'], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(wide.status, 1);
    assert.match(wide.stderr, /a service token is required to listen on 0\.0\.0\.0/);
  });
});
