// browser.* on a node: a real daemon, a real paired `palyra node run` with [browser] enabled in its node.toml, real Chromium,
// an agent run (built-in model) that browses through palyra.node.invoke, and the node's SSRF guard.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { NodeAdminServiceClient } from '../../src/gen/palyra/node/v1/node.js';
import { html, startSite, type TestSite } from '../helpers/browserd.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { call } from '../helpers/grpc-client.js';
import { type NodeHostFixture, startNodeHost } from '../helpers/node-host.js';

interface TapeEvent { event_type: string; payload: Record<string, unknown> }

const PAGE = '<!doctype html><title>Node page</title><h1>Hello from the node\'s site</h1><input id="q"><button id="b" onclick="this.textContent=\'clicked \'+document.getElementById(\'q\').value">go</button>';

describe('browser capabilities on a node (real daemon, node host and Chromium)', () => {
  let host: NodeHostFixture;
  let daemon: TestDaemon;
  let deviceId: string;
  let invoke: NodeHostFixture['invoke'];
  let allowed: TestSite;
  let forbidden: TestSite;

  before(async () => {
    allowed = await startSite('127.0.0.2', (_req, res) => html(res, PAGE));
    forbidden = await startSite('127.0.0.3', (_req, res) => html(res, '<title>secret</title>'));
    host = await startNodeHost({
      // The daemon's own browser stays off: only the node runs Chromium.
      daemon: { env: { PALYRA_BROWSER_ENABLED: 'false', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } },
      nodeToml: '[browser]\nenabled = true\nallowed_hosts = ["127.0.0.2"]\nmax_sessions_per_principal = 2\n',
    });
    ({ daemon, deviceId, invoke } = host);
  });
  after(async () => {
    await host?.close();
    await allowed?.close();
    await forbidden?.close();
  });

  test('[browser] enabled with Chromium found → the node advertises browser.* as available', async () => {
    const list = (await (await daemon.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ device_id: string; capabilities: Array<{ name: string; available: boolean }> }> };
    const offered = list.nodes.find((entry) => entry.device_id === deviceId)?.capabilities.filter((capability) => capability.name.startsWith('browser.')) ?? [];
    assert.deepEqual(offered.map((capability) => capability.name).sort(), [
      'browser.click', 'browser.console_log', 'browser.navigate', 'browser.network_log', 'browser.observe', 'browser.pdf', 'browser.press', 'browser.reset_state', 'browser.screenshot', 'browser.scroll', 'browser.select',
      'browser.session.close', 'browser.session.create', 'browser.tabs.close', 'browser.tabs.list', 'browser.tabs.open', 'browser.tabs.switch', 'browser.title', 'browser.type', 'browser.wait_for',
    ]);
    assert.ok(offered.every((capability) => capability.available));
  });

  test('agent run (built-in model) through palyra.node.invoke: create, navigate, type, click, observe, screenshot → all succeed on the node', async () => {
    const call = (capability: string, input: Record<string, unknown>, extra = '') => `@tool palyra.node.invoke {"device_id":"${deviceId}","capability":"${capability}","input":${JSON.stringify(input)}${extra}}`;
    const prompt = [
      'browse on the node',
      call('browser.session.create', {}),
      call('browser.navigate', { url: `${allowed.origin}/` }),
      call('browser.type', { selector: '#q', text: 'palyra' }),
      call('browser.click', { selector: '#b' }),
      call('browser.observe', {}),
      call('browser.screenshot', {}, ',"max_output_bytes":262144'),
      call('browser.session.close', {}),
    ].join('\n');
    const tape = await runApprovingAll(daemon, prompt);
    const results = tape.filter((event) => event.event_type === 'tool_result').map((event) => ({ success: event.payload['success'], error: event.payload['error'], output: JSON.parse(String(event.payload['output_json'])) as { output: Record<string, unknown> } }));
    assert.deepEqual(results.map((result) => result.success), [true, true, true, true, true, true, true], JSON.stringify(results.map((result) => result.error)));
    assert.equal(results[1]!.output.output['title'], 'Node page');
    assert.equal(results[1]!.output.output['status_code'], 200);
    assert.match(String(results[4]!.output.output['visible_text']), /Hello from the node's site[\s\S]*clicked palyra/);
    const shot = results[5]!.output.output;
    assert.equal(shot['mime_type'], 'image/png');
    const bytes = Buffer.from(String(shot['image_base64']), 'base64');
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(bytes.length, shot['size_bytes']);
  });

  test('navigate to a forbidden loopback address → permission_denied from the node\'s guard; file: → invalid_argument', async () => {
    assert.equal((await invoke('browser.session.create', {})).success, true);
    const refused = await invoke('browser.navigate', { url: `${forbidden.origin}/` });
    assert.equal(refused.success, false);
    assert.match(refused.error, /^permission_denied: navigation to http:\/\/127\.0\.0\.3:\d+ refused/);
    const file = await invoke('browser.navigate', { url: 'file:///etc/passwd' });
    assert.equal(file.success, false);
    assert.match(file.error, /^invalid_argument: url scheme file: is not allowed/);
    assert.equal((await invoke('browser.session.close', {})).success, true);
  });

  test('a screenshot larger than the task\'s output budget → resource_exhausted, not a truncated image', async () => {
    assert.equal((await invoke('browser.session.create', {})).success, true);
    assert.equal((await invoke('browser.navigate', { url: `${allowed.origin}/` })).success, true);
    const small = await invoke('browser.screenshot', {}, { max_output_bytes: 2048 });
    assert.equal(small.success, false);
    assert.match(small.error, /^resource_exhausted: screenshot of \d+ bytes exceeds max_bytes 1152/);
    assert.equal((await invoke('browser.session.close', {})).success, true);
  });

  test('another principal names my session → the same not_found as an unknown id; I still use it', async () => {
    const mine = String((await invoke('browser.session.create', {})).output?.['session_id']);
    const client = new NodeAdminServiceClient(daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      const as = (sessionId: string) =>
        call(client, client.invokeNode, { v: 1, deviceId: { ulid: deviceId }, capability: 'browser.title', inputJson: Buffer.from(JSON.stringify({ session_id: sessionId })), timeoutMs: 0, maxOutputBytes: 0 }, { token: daemon.adminToken, principal: 'admin:intruder', deviceId: newId() });
      const foreign = await as(mine);
      const unknown = newId();
      const missing = await as(unknown);
      assert.equal(foreign.success, false);
      assert.equal(foreign.error, `not_found: browser session not found: ${mine}`);
      assert.equal(missing.error, `not_found: browser session not found: ${unknown}`);
    } finally {
      client.close();
    }
    assert.equal((await invoke('browser.title', { session_id: mine })).success, true);
    assert.equal((await invoke('browser.session.close', { session_id: mine })).success, true);
  });

  test('budget: more sessions than max_sessions_per_principal → resource_exhausted', async () => {
    assert.equal((await invoke('browser.session.create', {})).success, true);
    assert.equal((await invoke('browser.session.create', {})).success, true);
    const third = await invoke('browser.session.create', {});
    assert.equal(third.success, false);
    assert.match(third.error, /^resource_exhausted: .* already has 2 sessions \(max_sessions_per_principal\)/);
    assert.equal((await invoke('browser.session.close', {})).success, true);
    assert.equal((await invoke('browser.session.close', {})).success, true);
    const none = await invoke('browser.title', {});
    assert.match(none.error, /^not_found: you have no browser session on this node/);
  });
});

/** Starts a run, approves every call it asks for once, waits for its end and returns its tape. */
async function runApprovingAll(daemon: TestDaemon, prompt: string): Promise<TapeEvent[]> {
  const started = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, wait: false }) });
  assert.equal(started.status, 202, await started.clone().text());
  const runId = ((await started.json()) as { run_id: string }).run_id;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const run = (await (await daemon.admin(`/admin/v1/runs/${runId}`)).json()) as { state: string };
    if (['done', 'failed', 'cancelled'].includes(run.state)) break;
    const pending = (await (await daemon.admin(`/admin/v1/approvals?pending=true&run_id=${runId}`)).json()) as { approvals: { approval_id: string }[] };
    for (const approval of pending.approvals) {
      await (await daemon.admin(`/admin/v1/approvals/${approval.approval_id}/decision`, { method: 'POST', body: JSON.stringify({ approved: true }) })).arrayBuffer();
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return ((await (await daemon.admin(`/admin/v1/runs/${runId}/tape?after_seq=-1&limit=1000`)).json()) as { events: TapeEvent[] }).events;
}
