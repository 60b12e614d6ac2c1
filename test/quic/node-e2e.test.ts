// End to end over QUIC: operator code → `palyra node pair` → approve → `palyra node run` → an agent run invokes a node capability.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { approvePending, createJoinString, makeNodeDir, type NodeProcess, removeNodeDir, startNodeProcess, waitForNode } from '../helpers/node-host.js';
import { pairNode } from '../../src/cli/node-host/pair.js';

describe('node RPC over QUIC, end to end', () => {
  let daemon: TestDaemon;
  let nodeDir: string;
  let node: NodeProcess | undefined;
  let deviceId: string;

  before(async () => {
    daemon = await startDaemon();
    nodeDir = makeNodeDir();
  });

  after(async () => {
    await node?.stop();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeNodeDir(nodeDir);
  });

  test('the ready file names the bound QUIC address', () => {
    assert.match(daemon.ready.quic ?? '', /^127\.0\.0\.1:\d+$/);
    assert.notEqual(daemon.ready.quic, '127.0.0.1:0');
  });

  test('pair with an operator approval → certificate stored 0600, daemon pinned', async () => {
    const joinString = await createJoinString(daemon);
    assert.ok(joinString.endsWith(`:${daemon.ready.quic}`), 'the join string carries the bound port');
    const paired = pairNode({ joinString, stateDir: nodeDir, transport: 'quic', waitMs: 15_000 });
    await approvePending(daemon);
    const outcome = await paired;
    deviceId = outcome.deviceId;
    assert.match(outcome.certFingerprint, /^[0-9a-f]{64}$/);
    assert.equal(statSync(join(nodeDir, 'tls.pem')).mode & 0o777, 0o600);
    assert.ok(existsSync(join(nodeDir, 'daemon.json')));
  });

  test('node run registers and opens its task channel → listed as connected', async () => {
    node = startNodeProcess(nodeDir, ['--transport', 'quic']);
    await waitForNode(daemon, deviceId, { connected: true });
  });

  test('admin invoke of echo → the node answers over the task channel', async () => {
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { text: 'hello node' } }) });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { success: boolean; output: unknown };
    assert.equal(body.success, true);
    assert.deepEqual(body.output, { text: 'hello node' });
  });

  test('an agent run calls palyra.node.invoke, approved by the operator → the result is in the run tape', async () => {
    const prompt = `@tool palyra.node.invoke {"device_id":"${deviceId}","capability":"system.identity"}`;
    const started = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, wait: false }) });
    assert.equal(started.status, 202, await started.clone().text());
    const runId = ((await started.json()) as { run_id: string }).run_id;
    let approvalId: string | undefined;
    for (let i = 0; i < 200 && !approvalId; i += 1) {
      const list = (await (await daemon.admin(`/admin/v1/approvals?pending=true&run_id=${runId}`)).json()) as { approvals: Array<{ approval_id: string }> };
      approvalId = list.approvals[0]?.approval_id;
      if (!approvalId) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(approvalId, 'the node capability call asked for approval');
    const decided = await daemon.admin(`/admin/v1/approvals/${approvalId}/decision`, { method: 'POST', body: JSON.stringify({ approved: true }) });
    assert.equal(decided.status, 200, await decided.clone().text());
    let events: Array<{ event_type: string; payload: Record<string, unknown> }> = [];
    for (let i = 0; i < 200; i += 1) {
      events = ((await (await daemon.admin(`/admin/v1/runs/${runId}/tape?limit=500`)).json()) as { events: typeof events }).events;
      if (events.some((e) => e.event_type === 'status' && ['done', 'failed'].includes(String(e.payload.kind)))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = events.find((e) => e.event_type === 'tool_result');
    assert.ok(result, `tape has a tool_result: ${JSON.stringify(events.map((e) => e.event_type))}`);
    assert.equal(result.payload.success, true, JSON.stringify(result.payload));
    assert.ok(String(result.payload.output_json).includes(deviceId), 'the node reported its own device id');
  });
});
