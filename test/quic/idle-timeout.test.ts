// A node that goes silent is dropped at the idle timeout: the daemon sends no keep-alive of its own unless configured.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NodeLink } from '../../src/cli/node-host/dial.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { loadOrCreateNodeIdentity, type NodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { dialAsNode, makeNodeDir, pairWithDaemon, removeNodeDir } from '../helpers/node-host.js';

const IDLE_TIMEOUT_MS = 2_000;
const TIMING = { PALYRA_NODE_RPC_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), PALYRA_NODE_RPC_HEARTBEAT_INTERVAL_MS: '1000' };

describe(`node RPC with node_rpc.idle_timeout_ms = ${IDLE_TIMEOUT_MS}`, () => {
  let stateDir: string;
  let nodeDir: string;
  let identity: NodeIdentity;
  const links: NodeLink[] = [];

  /** One heartbeat on a fresh connection (the node host's own keep-alive is 15 s, far beyond the idle timeout), then silence. */
  const connectAndFallSilent = async (daemon: TestDaemon): Promise<void> => {
    const link = await dialAsNode(daemon, nodeDir, identity);
    links.push(link);
    await new NodeRpcClient(link, 5_000).heartbeat({ deviceId: { ulid: identity.deviceId }, sentAtUnixMs: Date.now(), runningTasks: 0 });
  };
  const isConnected = async (daemon: TestDaemon): Promise<boolean> => {
    const list = (await (await daemon.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ device_id: string; connected: boolean }> };
    return list.nodes.some((node) => node.device_id === identity.deviceId && node.connected);
  };
  /** Polls the node list for up to `withinMs`; the connected state seen last. */
  const connectedAfter = async (daemon: TestDaemon, withinMs: number, until: boolean): Promise<boolean> => {
    const deadline = Date.now() + withinMs;
    let connected = await isConnected(daemon);
    while (connected !== until && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      connected = await isConnected(daemon);
    }
    return connected;
  };

  before(async () => {
    const pairing = await startDaemon();
    nodeDir = makeNodeDir();
    await pairWithDaemon(pairing, nodeDir);
    await pairing.stop();
    stateDir = pairing.stateDir;
    identity = loadOrCreateNodeIdentity(nodeDir);
  });

  after(async () => {
    await Promise.all(links.map((link) => link.close()));
    removeStateDir(stateDir);
    removeNodeDir(nodeDir);
  });

  test('default keep_alive_ms (0): a node that stops heartbeating → its connection dropped at the idle timeout, listed disconnected', async () => {
    const daemon = await startDaemon({ stateDir, env: TIMING });
    try {
      await connectAndFallSilent(daemon);
      assert.equal(await isConnected(daemon), true);
      const startedMs = Date.now();
      assert.equal(await connectedAfter(daemon, IDLE_TIMEOUT_MS * 3, false), false, 'the silent node is dropped');
      assert.ok(Date.now() - startedMs >= IDLE_TIMEOUT_MS / 2, 'not before the idle timeout');
    } finally {
      await daemon.stop();
    }
  });

  test('keep_alive_ms = 500: the daemon\'s PINGs and the node\'s ACKs → the same silent node stays connected past the idle timeout', async () => {
    const daemon = await startDaemon({ stateDir, env: { ...TIMING, PALYRA_NODE_RPC_KEEP_ALIVE_MS: '500' } });
    try {
      await connectAndFallSilent(daemon);
      assert.equal(await connectedAfter(daemon, IDLE_TIMEOUT_MS * 2, false), true, 'kept alive by the daemon');
    } finally {
      await daemon.stop();
    }
  });
});
