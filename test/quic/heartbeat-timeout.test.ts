// A daemon that stops answering (a hung process) is noticed by the node host through its unanswered channel heartbeat, well before QUIC's 30 s idle timeout; it reconnects once the daemon answers again.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost, type NodeHostEvent } from '../../src/cli/node-host/node-host.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, waitForNode } from '../helpers/node-host.js';

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

describe('channel heartbeat answer timeout', () => {
  const nodeDir = makeNodeDir();
  let daemon: TestDaemon | undefined;
  let host: NodeHost | undefined;
  after(async () => {
    if (daemon) process.kill(daemon.ready.pid, 'SIGCONT');
    await host?.stop();
    await daemon?.stop();
    if (daemon) removeStateDir(daemon.stateDir);
    removeNodeDir(nodeDir);
  });

  test('daemon stopped (SIGSTOP) → the node host disconnects within the answer timeout after a beat, not the idle timeout; SIGCONT → it is back and runs tasks', async () => {
    daemon = await startDaemon({ env: { PALYRA_NODE_RPC_HEARTBEAT_INTERVAL_MS: '1000' } });
    const { deviceId } = await pairWithDaemon(daemon, nodeDir);
    const events: NodeHostEvent[] = [];
    host = new NodeHost({ stateDir: nodeDir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: { initialMs: 100, maxMs: 500 }, onEvent: (event) => events.push(event) }).start();
    await waitForNode(daemon, deviceId, { connected: true });
    // A few beats are answered first: the connection is healthy before the daemon hangs.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.deepEqual(events.map((event) => event.type), ['connected', 'registered']);

    process.kill(daemon.ready.pid, 'SIGSTOP');
    // The next beat leaves within ~1.1 s and its answer is awaited 10 s; QUIC alone would wait 30 s.
    const noticedMs = await until('disconnection', () => events.some((event) => event.type === 'disconnected'), 20_000);
    assert.ok(noticedMs >= 9_000, `disconnected after ${noticedMs} ms: before the answer timeout could have run out`);
    const disconnected = events.find((event) => event.type === 'disconnected');
    // The host closed its channel itself (the idle timeout would read otherwise, and come at 30 s).
    assert.match(disconnected?.type === 'disconnected' ? disconnected.error : '', /stream closed|task channel closed/);

    process.kill(daemon.ready.pid, 'SIGCONT');
    await until('reconnection', () => events.filter((event) => event.type === 'registered').length >= 2, 20_000);
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { back: true } }) });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(events.some((event) => event.type === 'stopped'), false, 'the host keeps running');
  });
});
