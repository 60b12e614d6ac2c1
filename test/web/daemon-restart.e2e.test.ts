// A daemon restart under an open console: the page says the daemon is unreachable (never blank) and carries on once it is back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrowserDaemon, openSignedInConsole, screenshot, startBrowserDaemon } from '../helpers/browser.js';
import { startDaemon } from '../helpers/daemon.js';

describe('console across a daemon restart', () => {
  let web: BrowserDaemon;
  before(async () => {
    web = await startBrowserDaemon();
  });
  after(() => web?.close());

  it('daemon stops → live badge reconnecting and API errors shown; restarted on the same port → live again with the same session', async () => {
    const console = await openSignedInConsole(web.browser, web.daemon, { allow: ['/console/v1/', 'ERR_CONNECTION_REFUSED', 'Failed to fetch dynamically imported module'] });
    const { page } = console;
    await page.getByText('live', { exact: true }).waitFor();
    const port = new URL(web.daemon.ready.http).port;
    assert.equal(await web.daemon.stop(), 0);

    await page.getByText('reconnecting…').waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Audit' }).click();
    // The audit page's code was never loaded: its import fails too, and the page says so instead of going blank.
    await page.getByRole('heading', { name: 'This page could not be shown' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('alert').filter({ hasText: 'the daemon is not reachable' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'daemon-down');

    // The restarted daemon replaces the fixture's, so the fixture's close() stops it.
    web.daemon = await startDaemon({ stateDir: web.daemon.stateDir, args: ['--http-port', port] });
    assert.equal(new URL(web.daemon.ready.http).port, port);
    await page.getByText('live', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByText(/Hash chain intact/).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Sign in to Palyra' }).count(), 0);
    await console.close();
  });
});
