// Chat in real Chromium against the real daemon: sign in, streamed reply, inline approval, reload mid-stream, abort, sign-out, expiry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type BrowserDaemon, openConsole, openSignedInConsole, screenshot, seriousA11yViolations, signIn, startBrowserDaemon } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';

const APPROVAL_PROMPT = '@tool palyra.process.run {"command":"echo","args":["hi"]}';

describe('console chat in Chromium', () => {
  let web: BrowserDaemon;
  let daemon: TestDaemon;
  let browser: Browser;
  before(async () => {
    web = await startBrowserDaemon();
    ({ daemon, browser } = web);
  });
  after(() => web?.close());

  it('sign in → new chat → streamed reply → approval card allowed once → tool result → run done', async () => {
    const console = await openConsole(browser, daemon);
    console.allow('/console/v1/auth/session');
    const { page } = console;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to Palyra' }).waitFor();
    assert.equal(await page.getByLabel('Principal').inputValue(), 'admin:local-browser');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'sign-in');
    await signIn(page, daemon);
    const deviceId = await page.evaluate(() => localStorage.getItem('palyra.device_id'));
    assert.match(deviceId ?? '', /^[0-9A-HJKMNP-TV-Z]{26}$/);

    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Message').fill('hello console');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.reply', { hasText: 'You said: hello console' }).waitFor();
    await page.getByText('Run done').waitFor();

    await page.getByLabel('Message').fill(APPROVAL_PROMPT);
    await page.getByRole('button', { name: 'Send' }).click();
    const card = page.getByRole('region', { name: 'Allow palyra.process.run?' });
    await card.waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'chat-approval');
    await card.getByLabel(/Reason/).fill('looks safe');
    await card.getByRole('button', { name: 'Allow once' }).click();
    await page.getByText('Approved (once): looks safe').waitFor();
    await page.locator('article[data-run-ended="true"]').nth(1).waitFor();
    assert.equal(await page.getByText('Run done').count(), 2);
    await screenshot(page, 'chat');

    const approvals = (await (await daemon.admin('/admin/v1/approvals')).json()) as { approvals: Array<{ decision: string; decision_reason: string; principal: string; device_id: string }> };
    assert.equal(approvals.approvals.length, 1);
    assert.equal(approvals.approvals[0]?.decision_reason, 'looks safe');
    assert.equal(approvals.approvals[0]?.principal, 'admin:local-browser');
    assert.equal(approvals.approvals[0]?.device_id, deviceId);
    console.assertClean();
    await console.close();
  });

  it('reload in the middle of a 300-token reply → the same run resumes; every token shown exactly once', async () => {
    const console = await openSignedInConsole(browser, daemon);
    const { page } = console;
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Message').fill('@tokens 300\n@slow 15');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.reply', { hasText: ' t40 ' }).waitFor();
    const url = page.url();
    await page.reload();
    assert.equal(page.url(), url);
    await page.getByText('Run done').waitFor({ timeout: 20_000 });
    const text = (await page.locator('.reply').innerText()).trim();
    const expected = Array.from({ length: 300 }, (_, index) => `t${index + 1}`).join(' ');
    assert.equal(text.replace(/\s+/g, ' '), expected);
    assert.equal(await page.locator('.message-user', { hasText: '@tokens 300' }).count(), 1, 'the prompt survives the reload');
    console.assertClean();
    await console.close();
  });

  it('abort during a slow reply → the run ends cancelled and the page says so', async () => {
    const console = await openSignedInConsole(browser, daemon);
    const { page } = console;
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Message').fill('@tokens 1000\n@slow 20');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.reply', { hasText: ' t5 ' }).waitFor();
    await page.getByRole('button', { name: 'Abort run' }).click();
    await page.getByText('Run failed: cancelled by request').waitFor();
    await page.getByRole('button', { name: 'Abort run' }).waitFor({ state: 'detached' });
    console.assertClean();
    await console.close();
  });

  it('sign out → back to the sign-in form; the cookie no longer opens the API', async () => {
    const console = await openSignedInConsole(browser, daemon);
    const { page } = console;
    const [cookie] = await console.context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Palyra' }).waitFor();
    const probe = await fetch(`${daemon.ready.http}/console/v1/auth/session`, { headers: { cookie: `${cookie?.name}=${cookie?.value}` } });
    assert.equal(probe.status, 401);
    console.assertClean();
    await console.close();
  });

  it('the session ends elsewhere → the next page load lands on sign-in with the reason, not a blank page', async () => {
    const console = await openSignedInConsole(browser, daemon, { allow: ['/console/v1/'] });
    const { page } = console;
    const [cookie] = await console.context.cookies();
    const pair = `${cookie?.name}=${cookie?.value}`;
    const current = (await (await fetch(`${daemon.ready.http}/console/v1/auth/session`, { headers: { cookie: pair } })).json()) as { csrf_token: string };
    const logout = await fetch(`${daemon.ready.http}/console/v1/auth/logout`, { method: 'POST', headers: { cookie: pair, 'x-palyra-csrf-token': current.csrf_token } });
    assert.equal(logout.status, 200);
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('heading', { name: 'Sign in to Palyra' }).waitFor();
    await page.getByText(/Your console session ended/).waitFor();
    console.assertClean();
    await console.close();
  });
});
