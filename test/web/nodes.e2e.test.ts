// Nodes page in Chromium: pairing code (copy, QR), a real `palyra node pair` approved in the page, `palyra node run` online, invoke, revoke.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { type ConsolePage, inPage, screenshot, seriousA11yViolations, type SignedInConsole, startSignedInConsole } from '../helpers/browser.js';
import { CLI_BIN, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, type NodeProcess, removeNodeDir, startNodeProcess } from '../helpers/node-host.js';

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

describe('nodes page in Chromium with a real node host', () => {
  let web: SignedInConsole;
  let daemon: TestDaemon;
  let console: ConsolePage;
  let nodeDir: string;
  let node: NodeProcess | null = null;
  before(async () => {
    web = await startSignedInConsole();
    ({ daemon, console } = web);
    nodeDir = makeNodeDir();
  });
  after(async () => {
    await node?.stop();
    await web?.close();
    if (nodeDir) removeNodeDir(nodeDir);
  });

  it('code → node pairs → approved here → online with capabilities → invoke system.identity → revoke', async () => {
    const { page } = console;
    await page.getByRole('link', { name: 'Nodes' }).click();
    await page.getByText('No node is waiting to be paired.').waitFor();
    await page.getByRole('button', { name: 'Create pairing code' }).click();
    const joinString = await page.getByRole('textbox', { name: 'Join string' }).inputValue();
    assert.ok(joinString.length > 20);
    await page.getByRole('img', { name: 'QR code of the join string' }).waitFor();
    await page.getByRole('button', { name: 'Copy join string' }).click();
    assert.equal(await inPage<string>(page, 'navigator.clipboard.readText()'), joinString);

    const pair = spawn(process.execPath, [CLI_BIN, '--json', 'node', 'pair', joinString, '--state-dir', nodeDir, '--name', 'e2e-node', '--wait', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pairOutput = '';
    pair.stdout?.on('data', (chunk: Buffer) => (pairOutput += chunk.toString()));
    pair.stderr?.on('data', (chunk: Buffer) => (pairOutput += chunk.toString()));
    const paired = exitOf(pair);
    const request = page.locator('li[data-pairing-id]', { hasText: 'e2e-node' });
    await request.waitFor({ timeout: 15_000 });
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'nodes-pairing');
    await request.getByRole('button', { name: 'Approve' }).click();
    assert.equal(await paired, 0, pairOutput);

    node = startNodeProcess(nodeDir);
    const row = page.locator('tr[data-device-id]', { hasText: 'e2e-node' });
    await row.getByText('online').waitFor({ timeout: 15_000 });
    await row.getByText(/system\.identity/).waitFor({ timeout: 15_000 });
    await page.getByRole('combobox', { name: 'Capability', exact: true }).selectOption('system.identity');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await page.getByText('Succeeded').waitFor({ timeout: 15_000 });
    const deviceId = await row.getAttribute('data-device-id');
    assert.match(await page.locator('.invoke-result').innerText(), new RegExp(deviceId ?? 'missing'));
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'nodes');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.locator('tr[data-device-id]', { hasText: 'revoked' }).waitFor({ timeout: 10_000 }).catch(async () => {
      // Revoked nodes leave the default list: either way the row no longer offers revoke.
      await row.getByRole('button', { name: /Revoke/ }).waitFor({ state: 'detached' });
    });
    const nodes = (await (await daemon.admin('/admin/v1/nodes?include_revoked=true')).json()) as { nodes: Array<{ device_id: string; revoked_at_unix_ms: number | null }> };
    assert.ok(nodes.nodes.find((candidate) => candidate.device_id === deviceId)?.revoked_at_unix_ms);
    console.assertClean();
  });
});
