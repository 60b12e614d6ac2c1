// A daemon restart under an open console: the page says the daemon is unreachable (never blank) and carries on once it is back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, openConsole, screenshot, signIn } from '../helpers/browser.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('console across a daemon restart', () => {
  let daemon: TestDaemon;
  let browser: Browser;
  before(async () => {
    daemon = await startDaemon();
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  it('daemon stops → live badge reconnecting and API errors shown; restarted on the same port → live again with the same session', async () => {
    const console = await openConsole(browser, daemon);
    console.allow('/console/v1/');
    console.allow('ERR_CONNECTION_REFUSED');
    console.allow('Failed to fetch dynamically imported module');
    const { page } = console;
    await signIn(page, daemon);
    await page.getByText('live', { exact: true }).waitFor();
    const port = new URL(daemon.ready.http).port;
    assert.equal(await daemon.stop(), 0);

    await page.getByText('reconnecting…').waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Audit' }).click();
    // The audit page's code was never loaded: its import fails too, and the page says so instead of going blank.
    await page.getByRole('heading', { name: 'This page could not be shown' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('alert').filter({ hasText: 'the daemon is not reachable' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'daemon-down');

    daemon = await startDaemon({ stateDir: daemon.stateDir, args: ['--http-port', port] });
    assert.equal(new URL(daemon.ready.http).port, port);
    await page.getByText('live', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByText(/Hash chain intact/).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Sign in to Palyra' }).count(), 0);
    await console.close();
  });
});
