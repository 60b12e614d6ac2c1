// End to end: the node host pairs over Node RPC with a code minted on /admin/v1, the operator approves over HTTP, the node is listed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pairNode } from '../../src/cli/node-host/pair.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('pairing a real node through the operator routes', () => {
  let daemon: TestDaemon;
  let nodeDir: string;

  before(async () => {
    daemon = await startDaemon();
    nodeDir = mkdtempSync(join(tmpdir(), 'palyra-node-host-'));
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    rmSync(nodeDir, { recursive: true, force: true });
  });

  test('create code (HTTP) → node pairs → pending request approved (HTTP) → node completes and is listed by GET /nodes', { timeout: 30_000 }, async () => {
    const code = (await (await daemon.admin('/admin/v1/pairing/codes', { method: 'POST', body: JSON.stringify({ ttl_seconds: 120 }) })).json()) as { join_string: string };
    const lines: string[] = [];
    const paired = pairNode({ joinString: code.join_string, stateDir: nodeDir, displayName: 'e2e node', waitMs: 20_000, log: (line) => lines.push(line) });
    paired.catch(() => undefined);

    let pending: { pairing_id: string; device_id: string; display_name: string; identity_fingerprint: string } | undefined;
    const deadline = Date.now() + 15_000;
    while (!pending) {
      assert.ok(Date.now() < deadline, `no pending request appeared; node said: ${lines.join(' | ')}`);
      const page = (await (await daemon.admin('/admin/v1/pairing/requests?state=pending')).json()) as { requests: NonNullable<typeof pending>[] };
      pending = page.requests[0];
      if (!pending) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(pending.display_name, 'e2e node');
    // The request can reach the daemon before the node's line reaches us: wait for it, bounded.
    const fingerprint = pending.identity_fingerprint;
    for (const printedBy = Date.now() + 5_000; !lines.some((line) => line.includes(fingerprint)) && Date.now() < printedBy; ) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(lines.some((line) => line.includes(fingerprint)), 'the node prints the fingerprint the operator sees');

    const approved = await daemon.admin(`/admin/v1/pairing/requests/${pending.pairing_id}/approve`, { method: 'POST', body: '{}' });
    assert.equal(approved.status, 200);
    const outcome = await paired;
    assert.equal(outcome.deviceId, pending.device_id);

    const nodes = (await (await daemon.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ device_id: string; status: string; display_name: string; cert_fingerprint: string }> };
    assert.equal(nodes.nodes.length, 1);
    assert.equal(nodes.nodes[0]?.device_id, outcome.deviceId);
    assert.equal(nodes.nodes[0]?.status, 'paired');
    assert.equal(nodes.nodes[0]?.cert_fingerprint, outcome.certFingerprint);
    const completed = (await (await daemon.admin('/admin/v1/pairing/requests?state=completed')).json()) as { requests: Array<{ pairing_id: string }> };
    assert.deepEqual(completed.requests.map((request) => request.pairing_id), [pending.pairing_id]);
  });
});
