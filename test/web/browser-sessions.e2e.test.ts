// Browser page in Chromium: an operator's browser session (daemon's real palyra-browserd) listed, its latest screenshot and action log shown, closed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConsolePage, inPage, screenshot, seriousA11yViolations, type SignedInConsole, startSignedInConsole } from '../helpers/browser.js';
import { html, startSite, type TestSite } from '../helpers/browserd.js';
import type { TestDaemon } from '../helpers/daemon.js';

describe('browser page in Chromium with the daemon browser service', () => {
  let web: SignedInConsole;
  let daemon: TestDaemon;
  let site: TestSite;
  let console: ConsolePage;
  const post = async (path: string, body: unknown) => (await daemon.admin(path, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;

  before(async () => {
    site = await startSite('127.0.0.2', (_req, res) => html(res, '<!doctype html><title>Shown page</title><h1 style="font-size:64px">Seen in the console</h1>'));
    web = await startSignedInConsole({ env: { PALYRA_BROWSER_ENABLED: 'true', PALYRA_BROWSER_ALLOW_PRIVATE_HOSTS: '127.0.0.2', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    ({ daemon, console } = web);
    const deadline = Date.now() + 30_000;
    while (((await (await daemon.admin('/admin/v1/status')).json()) as { browser: { state: string } }).browser.state !== 'up') {
      if (Date.now() > deadline) throw new Error(`browser service not up:\n${daemon.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(async () => {
    await web?.close();
    await site?.close();
  });

  it('empty list → a session opened elsewhere appears; its screenshot and action log (with a refused navigation) show; Close → closed', async () => {
    const { page } = console;
    await page.getByRole('link', { name: 'Browser' }).click();
    await page.getByText('No browser sessions yet.').waitFor();

    const { session } = (await post('/admin/v1/browser/sessions', { url: `${site.origin}/` })) as { session: { session_id: string } };
    const id = session.session_id;
    await post(`/admin/v1/browser/sessions/${id}/navigate`, { url: `http://127.0.0.3:${new URL(site.origin).port}/` });
    const { artifact_id: artifactId } = await post(`/admin/v1/browser/sessions/${id}/screenshot`, {});

    const row = page.locator(`tr[data-session-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), new RegExp(`open\\s+${site.origin.replace(/\./g, '\\.')}/`));
    await row.getByRole('button', { name: /^Show session / }).click();

    const image = page.getByRole('img', { name: `Latest screenshot of ${site.origin}/` });
    await image.waitFor();
    assert.equal(await image.getAttribute('src'), `/console/v1/browser/artifacts/${artifactId}`);
    const decoded = "(() => { const image = document.querySelector('.browser-screenshot'); return image.complete && image.naturalWidth > 0; })()";
    for (const deadline = Date.now() + 10_000; !(await inPage<boolean>(page, decoded)); ) {
      if (Date.now() > deadline) throw new Error('the screenshot did not load');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const log = page.locator('table.browser-actions tbody tr');
    await log.nth(3).waitFor();
    assert.deepEqual(await log.locator('td:nth-child(2)').allInnerTexts(), ['createSession', 'navigate', 'navigate', 'screenshot']);
    assert.match(await log.nth(2).innerText(), /permission_denied: browser service: .*127\.0\.0\.3/);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'browser-session');

    await page.getByRole('button', { name: 'Close session' }).click();
    await row.getByText('closed').waitFor();
    await page.getByRole('button', { name: 'Close session' }).waitFor({ state: 'detached' });
    const listed = (await (await daemon.admin('/admin/v1/browser/sessions')).json()) as { sessions: { session_id: string; state: string }[] };
    assert.equal(listed.sessions.find((entry) => entry.session_id === id)?.state, 'closed');
    console.assertClean();
  });
});
