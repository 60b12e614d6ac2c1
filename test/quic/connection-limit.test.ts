// The QUIC connection limit: strangers are refused when it is reached, but a paired device's new connection takes its own old one's slot.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NodeLink } from '../../src/cli/node-host/dial.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { loadOrCreateNodeIdentity, type NodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { dialAsNode, makeNodeDir, pairWithDaemon, removeNodeDir } from '../helpers/node-host.js';

const MAX_CONNECTIONS = 2;

describe(`node RPC with node_rpc.max_connections = ${MAX_CONNECTIONS}`, () => {
  let daemon: TestDaemon;
  const dirs: string[] = [];
  const links: NodeLink[] = [];
  let nodeA: NodeIdentity;
  let nodeB: NodeIdentity;

  const connect = async (identity: NodeIdentity): Promise<NodeLink> => {
    const link = await dialAsNode(daemon, dirs[0] ?? '', identity);
    links.push(link);
    return link;
  };
  const heartbeat = (link: NodeLink, identity: NodeIdentity) =>
    new NodeRpcClient(link, 5_000).heartbeat({ deviceId: { ulid: identity.deviceId }, sentAtUnixMs: Date.now(), runningTasks: 0 });
  const connected = async () => {
    const list = (await (await daemon.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ device_id: string; connected: boolean }> };
    return list.nodes.filter((n) => n.connected).map((n) => n.device_id).sort();
  };

  before(async () => {
    const pairing = await startDaemon();
    for (let i = 0; i < 2; i += 1) {
      const dir = makeNodeDir();
      dirs.push(dir);
      await pairWithDaemon(pairing, dir);
    }
    // A restart on the same state dir: the pairing connections are gone and every slot is free.
    await pairing.stop();
    daemon = await startDaemon({ stateDir: pairing.stateDir, env: { PALYRA_NODE_RPC_MAX_CONNECTIONS: String(MAX_CONNECTIONS) } });
    [nodeA, nodeB] = dirs.map((dir) => loadOrCreateNodeIdentity(dir)) as [NodeIdentity, NodeIdentity];
  });

  after(async () => {
    await Promise.all(links.map((link) => link.close()));
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    for (const dir of dirs) removeNodeDir(dir);
  });

  test('at the limit, another device\'s connection → refused; the same device\'s new connection → served, its oldest one closed', async () => {
    const first = await connect(nodeA);
    await heartbeat(first, nodeA);
    const second = await connect(nodeA);
    await heartbeat(second, nodeA);

    const stranger = await connect(nodeB);
    await assert.rejects(heartbeat(stranger, nodeB), 'a connection beyond the limit is closed');
    assert.deepEqual(await connected(), [nodeA.deviceId]);

    // The dead-connection case of a reconnect storm: the device redials while its old connections hold every slot.
    const third = await connect(nodeA);
    const beat = await heartbeat(third, nodeA);
    assert.ok(beat.serverTimeUnixMs > 0);
    await assert.rejects(heartbeat(first, nodeA), 'the oldest connection of the device was let go');
    await heartbeat(second, nodeA);
    assert.deepEqual(await connected(), [nodeA.deviceId]);
  });
});
