// Daemon shutdown with abandoned node RPC connections: a silent TCP connection on the fallback port, a killed QUIC peer.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost } from '../../src/cli/node-host/node-host.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, startNodeProcess, waitForNode } from '../helpers/node-host.js';

const STOP_BUDGET_MS = 1_000;

describe('daemon shutdown with abandoned node connections', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const daemonFor = async () => {
    const daemon = await startDaemon();
    cleanups.push(() => removeStateDir(daemon.stateDir), () => daemon.stop());
    return daemon;
  };
  const timedStop = async (daemon: TestDaemon) => {
    const startedAt = Date.now();
    const exit = await daemon.stop();
    return { exit, ms: Date.now() - startedAt };
  };

  test('a TCP connection that never starts TLS on the fallback port → the daemon stops in < 1 s, no listener left behind', async (t) => {
    const daemon = await daemonFor();
    const port = Number((daemon.ready.quic ?? '').split(':').pop());
    const silent = connect(port, '127.0.0.1');
    silent.on('error', () => undefined);
    cleanups.push(() => void silent.destroy());
    await new Promise<void>((resolve, reject) => silent.once('connect', resolve).once('error', reject));
    // Let the daemon accept it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { exit, ms } = await timedStop(daemon);
    t.diagnostic(`stopped in ${ms} ms`);
    assert.equal(exit, 0, daemon.output());
    assert.ok(ms < STOP_BUDGET_MS, `stopped in ${ms} ms`);
    assert.doesNotMatch(daemon.output(), /did not close in time/);
  });

  test('a node host killed while connected over QUIC → the daemon stops in < 1 s', async (t) => {
    const daemon = await daemonFor();
    const dir = makeNodeDir();
    cleanups.push(() => removeNodeDir(dir));
    const { deviceId } = await pairWithDaemon(daemon, dir);
    const node = startNodeProcess(dir, ['--transport', 'quic']);
    cleanups.push(() => node.stop('SIGKILL'));
    await waitForNode(daemon, deviceId, { connected: true });
    await node.stop('SIGKILL');
    const { exit, ms } = await timedStop(daemon);
    t.diagnostic(`stopped in ${ms} ms`);
    assert.equal(exit, 0, daemon.output());
    assert.ok(ms < STOP_BUDGET_MS, `stopped in ${ms} ms`);
    assert.doesNotMatch(daemon.output(), /did not close in time/);
  });

  test('a node host connected in-process while the daemon stops → the daemon stops in < 1 s and the host sees the connection drop', async (t) => {
    const daemon = await daemonFor();
    const dir = makeNodeDir();
    cleanups.push(() => removeNodeDir(dir));
    const { deviceId } = await pairWithDaemon(daemon, dir);
    let disconnected = false;
    const host = new NodeHost({ stateDir: dir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: { initialMs: 5_000, maxMs: 5_000 }, onEvent: (e) => e.type === 'disconnected' && (disconnected = true) }).start();
    cleanups.push(() => host.stop());
    await waitForNode(daemon, deviceId, { connected: true });
    const { exit, ms } = await timedStop(daemon);
    t.diagnostic(`stopped in ${ms} ms`);
    assert.equal(exit, 0, daemon.output());
    assert.ok(ms < STOP_BUDGET_MS, `stopped in ${ms} ms`);
    for (let i = 0; i < 100 && !disconnected; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(disconnected, 'the node host noticed the daemon going away');
  });
});
