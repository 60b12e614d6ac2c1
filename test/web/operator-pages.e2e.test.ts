// Approvals, runs, tokens, audit and overview pages in Chromium against the real daemon, with axe checks and screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConsolePage, inPage, openSignedInConsole, screenshot, seriousA11yViolations, type SignedInConsole, startSignedInConsole } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';

const APPROVAL_PROMPT = '@tool palyra.process.run {"command":"echo","args":["from-elsewhere"]}';

describe('console operator pages in Chromium', () => {
  let web: SignedInConsole;
  let daemon: TestDaemon;
  let console: ConsolePage;
  before(async () => {
    web = await startSignedInConsole();
    ({ daemon, console } = web);
  });
  after(() => web?.close());

  async function startRun(prompt: string): Promise<string> {
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, wait: false }) });
    assert.equal(response.status, 202);
    return ((await response.json()) as { run_id: string }).run_id;
  }

  async function runState(runId: string): Promise<string> {
    return ((await (await daemon.admin(`/admin/v1/runs/${runId}`)).json()) as { state: string }).state;
  }

  it('an approval asked by a run started over the admin API appears without a reload and is denied here with a reason', async () => {
    const { page } = console;
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByText('No approvals are waiting.').waitFor();
    const runId = await startRun(APPROVAL_PROMPT);
    const card = page.getByRole('region', { name: 'Allow palyra.process.run?' });
    await card.waitFor({ timeout: 10_000 });
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'approvals');
    await card.getByLabel(/Reason/).fill('not from here');
    await card.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('No approvals are waiting.').waitFor();
    for (let attempt = 0; attempt < 100 && (await runState(runId)) !== 'done'; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    const tape = (await (await daemon.admin(`/admin/v1/runs/${runId}/tape?limit=1000`)).json()) as { events: Array<{ event_type: string; payload: Record<string, unknown> }> };
    const response = tape.events.find((event) => event.event_type === 'tool_approval_response');
    assert.equal(response?.payload.approved, false);
    assert.equal(response?.payload.reason, 'not from here');
    console.assertClean();
  });

  it('runs page: state filter lists the live run; its page streams the tape and cancel ends it', async () => {
    const { page } = console;
    const runId = await startRun('@tokens 2000\n@slow 20');
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByLabel('in progress').check();
    await page.getByRole('link', { name: new RegExp(runId.slice(-6)) }).click();
    await page.getByRole('heading', { name: new RegExp(runId) }).waitFor();
    await page.locator('table.tape tbody tr').nth(10).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'run');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByText(/events, ended\)/).waitFor({ timeout: 10_000 });
    assert.equal(await runState(runId), 'cancelled');
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByLabel('in progress').uncheck();
    await page.locator('table tbody tr').first().waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'runs');
    console.assertClean();
  });

  it('tokens: create with scopes → secret shown once and it works; revoke → it no longer does', async () => {
    const { page } = console;
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('e2e reader');
    await page.getByLabel('status:read').check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel(/New token for/).inputValue();
    assert.ok(secret.length > 20);
    await page.getByRole('button', { name: 'Copy token' }).click();
    assert.equal(await inPage<string>(page, 'navigator.clipboard.readText()'), secret);
    const ok = await fetch(`${daemon.ready.http}/admin/v1/status`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(ok.status, 200);
    await page.locator('tr', { hasText: 'e2e reader' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'tokens');
    await page.getByRole('button', { name: 'Revoke e2e reader' }).click();
    await page.locator('tr', { hasText: 'e2e reader' }).waitFor({ state: 'detached' });
    const refused = await fetch(`${daemon.ready.http}/admin/v1/status`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(refused.status, 401);
    console.assertClean();
  });

  it('audit: journal page with an intact chain, verify now, event detail', async () => {
    const { page } = console;
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByText(/Hash chain intact/).waitFor();
    await page.getByRole('button', { name: 'Verify now' }).click();
    await page.getByText(/verified from the first/).waitFor();
    await page.getByRole('button', { name: 'Show event 1', exact: true }).click();
    await page.getByRole('region', { name: 'Event 1' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'audit');
    console.assertClean();
  });

  it('overview: counts, listeners and charts from the metrics history', async () => {
    const { page } = console;
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Daemon' }).waitFor();
    assert.equal(await page.locator('figure.chart').count(), 3);
    assert.match(await page.locator('.facts').innerText(), /http listener/);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'overview');
    console.assertClean();
  });

  it('390 px wide and dark: chat and approvals stay usable (no horizontal page scroll), axe clean', async () => {
    const narrow = await openSignedInConsole(web.browser, daemon, { width: 390, height: 844, colorScheme: 'dark' });
    const { page } = narrow;
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Message').fill('hi from a phone');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Run done').waitFor();
    assert.equal(await inPage<boolean>(page, 'document.documentElement.scrollWidth <= window.innerWidth'), true);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'chat-390-dark');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Daemon' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'overview-390-dark');
    narrow.assertClean();
    await narrow.close();
  });

  it('keyboard only: Tab reaches the navigation with a visible focus ring and Enter follows the link', async () => {
    const { page } = console;
    await page.goto('/overview');
    await page.getByRole('heading', { name: 'Daemon' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const focused = await inPage<{ text: string; outline: string }>(page, '({ text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle })');
    assert.equal(focused.text, 'Approvals');
    assert.notEqual(focused.outline, 'none');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    console.assertClean();
  });
});
