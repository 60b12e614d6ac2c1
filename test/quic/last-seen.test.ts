// A node's presence: its last-seen time is written behind (cacheDeviceStore), the node list shows it at once and a
// graceful stop commits it; /metrics counts connected nodes.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost } from '../../src/cli/node-host/node-host.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, waitForNode } from '../helpers/node-host.js';

async function lastSeen(daemon: TestDaemon, deviceId: string): Promise<number | null> {
  const body = (await (await daemon.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ device_id: string; last_seen_at_unix_ms: number | null }> };
  const node = body.nodes.find((n) => n.device_id === deviceId);
  assert.ok(node, `node ${deviceId} is listed`);
  return node.last_seen_at_unix_ms;
}

async function metric(daemon: TestDaemon, name: string): Promise<number> {
  const text = await (await daemon.admin('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported`);
  return Number(line.split(' ')[1]);
}

describe('node presence', () => {
  const nodeDir = makeNodeDir();
  let daemon: TestDaemon | undefined;
  after(async () => {
    await daemon?.stop();
    if (daemon) removeStateDir(daemon.stateDir);
    removeNodeDir(nodeDir);
  });

  test('the disconnection of a node is listed at once and is still there after a SIGTERM and a restart', async () => {
    daemon = await startDaemon();
    const { deviceId } = await pairWithDaemon(daemon, nodeDir);
    const host = new NodeHost({ stateDir: nodeDir, config: DEFAULT_NODE_CONFIG, transport: 'quic' }).start();
    await waitForNode(daemon, deviceId, { connected: true });
    assert.equal(await metric(daemon, 'palyra_nodes_connected'), 1);
    assert.ok((await metric(daemon, 'process_resident_memory_bytes')) > (await metric(daemon, 'nodejs_heap_size_used_bytes')));
    const registered = await lastSeen(daemon, deviceId);
    assert.ok(registered !== null && registered > 0);
    // Last-seen has a resolution of a second: the disconnection must come later to be a new time.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await host.stop();
    await waitForNode(daemon, deviceId, { connected: false });
    assert.equal(await metric(daemon, 'palyra_nodes_connected'), 0);
    const disconnected = await lastSeen(daemon, deviceId);
    assert.ok(disconnected !== null && disconnected >= registered + 1_000, `disconnection at ${disconnected}, registration at ${registered}`);

    const stateDir = daemon.stateDir;
    assert.equal(await daemon.stop('SIGTERM'), 0);
    daemon = await startDaemon({ stateDir });
    assert.equal(await lastSeen(daemon, deviceId), disconnected, 'committed by the graceful stop');
  });
});
