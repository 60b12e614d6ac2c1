// Task channel under failure: revocation while connected, a result from the wrong device, a node killed mid-task, a daemon restart with queued work.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadDaemonPin, saveDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial } from '../../src/cli/node-host/dial.js';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost, type NodeHostEvent } from '../../src/cli/node-host/node-host.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { loadOrCreateNodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, startNodeProcess, waitForNode } from '../helpers/node-host.js';

const fast = { initialMs: 50, maxMs: 300 };

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('task channel under failure', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const daemonFor = async (stateDir?: string) => {
    const daemon = await startDaemon(stateDir ? { stateDir } : {});
    cleanups.push(async () => {
      await daemon.stop();
    });
    return daemon;
  };
  const nodeDir = () => {
    const dir = makeNodeDir();
    cleanups.push(() => removeNodeDir(dir));
    return dir;
  };

  test('revocation while connected → the channel closes at once and the node host stops (fatal)', async () => {
    const daemon = await daemonFor();
    cleanups.push(() => removeStateDir(daemon.stateDir));
    const dir = nodeDir();
    const { deviceId } = await pairWithDaemon(daemon, dir);
    const events: NodeHostEvent[] = [];
    const host = new NodeHost({ stateDir: dir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: fast, onEvent: (e) => events.push(e) }).start();
    cleanups.push(() => host.stop());
    await waitForNode(daemon, deviceId, { connected: true });
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/revoke`, { method: 'POST', body: JSON.stringify({ reason: 'lost laptop' }) });
    const body = (await response.json()) as { revoked: boolean; closed_connections: number };
    assert.equal(body.revoked, true);
    assert.ok(body.closed_connections >= 1, `closed ${body.closed_connections} connections`);
    const fatal = await Promise.race([host.done, new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
    assert.ok(fatal && fatal !== 'timeout', `host stopped with a fatal error: ${JSON.stringify(events)}`);
  });

  test('a result for another device’s task → acknowledged as refused, the task untouched', async () => {
    const daemon = await daemonFor();
    cleanups.push(() => removeStateDir(daemon.stateDir));
    const dirA = nodeDir();
    const dirB = nodeDir();
    const a = await pairWithDaemon(daemon, dirA);
    await pairWithDaemon(daemon, dirB);
    let pushedTaskId: string | undefined;
    const slow = {
      advertised: [{ name: 'echo', available: true }],
      run: async (_name: string, input: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { success: true, output: input, error: '' };
      },
    };
    const hostA = new NodeHost({ stateDir: dirA, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: fast, capabilities: slow, onEvent: (e) => e.type === 'task_started' && (pushedTaskId = e.taskId) }).start();
    cleanups.push(() => hostA.stop());
    await waitForNode(daemon, a.deviceId, { connected: true });
    const invoked = daemon.admin(`/admin/v1/nodes/${a.deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { from: 'a' } }) });
    const taskId = await until(() => pushedTaskId, 'the task to reach node A');
    // Node B, with its own valid certificate, claims A's task.
    const b = loadOrCreateNodeIdentity(dirB);
    const pin = loadDaemonPin(dirB);
    const link = await dial({ host: pin.host, port: pin.port, caFingerprint: pin.caFingerprint, clientCertificate: { privateKeyPem: b.tls.privateKeyPem, certificatePem: b.tls.certificatePem ?? '' }, transport: 'quic' });
    cleanups.push(() => link.close());
    const client = new NodeRpcClient(link);
    await client.registerNode({ deviceId: { ulid: b.deviceId }, platform: 'linux-x86_64', capabilities: [{ name: 'echo', available: true }], nodeVersion: 't' });
    const channel = await client.openTaskChannel({ deviceId: b.deviceId, maxConcurrentTasks: 1 });
    await channel.send({ $case: 'update', value: { taskId: { ulid: taskId }, update: { $case: 'result', value: { success: true, outputJson: Buffer.from('{"forged":true}'), error: '' } } } });
    const ack = (await channel.messages.next()).value;
    assert.equal(ack?.body?.$case, 'ack');
    assert.equal(ack?.body?.$case === 'ack' && ack.body.value.accepted, false);
    assert.equal(ack?.body?.$case === 'ack' && ack.body.value.reason, 'permission_denied');
    channel.close();
    const result = (await (await invoked).json()) as { success: boolean; output: unknown };
    assert.deepEqual(result.output, { from: 'a' }, 'the genuine result from A wins');
  });

  test('node killed mid-task → re-delivered with a higher attempt after reconnect, finished once', async () => {
    const daemon = await daemonFor();
    cleanups.push(() => removeStateDir(daemon.stateDir));
    const dir = nodeDir();
    const { deviceId } = await pairWithDaemon(daemon, dir);
    const config = join(dir, 'node.toml');
    writeFileSync(config, '[process]\nallowed_commands = ["sleep"]\n');
    let node = startNodeProcess(dir, ['--transport', 'quic', '--config', config]);
    await waitForNode(daemon, deviceId, { connected: true });
    const invoked = daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'process.run', input: { command: 'sleep', args: ['1'] }, timeout_ms: 60_000 }) });
    await until(() => (node.output().includes('"task_started"') ? true : undefined), 'the task to start');
    await node.stop('SIGKILL');
    node = startNodeProcess(dir, ['--transport', 'quic', '--config', config]);
    cleanups.push(() => node.stop().then(() => undefined));
    const result = (await (await invoked).json()) as { success: boolean; task_id: string; output: { exit_code: number } };
    assert.equal(result.success, true, JSON.stringify(result));
    assert.equal(result.output.exit_code, 0);
    assert.match(node.output(), /"attempt":2/);
    const task = (await (await daemon.admin(`/admin/v1/nodes/tasks/${result.task_id}`)).json()) as { task: { state: string; attempt: number } };
    assert.equal(task.task.state, 'succeeded');
    assert.equal((node.output().match(/"task_finished"/g) ?? []).length, 1, 'the restarted node ran it once');
  });

  test('daemon restarted with a queued task → delivered to the node after the restart', async () => {
    const first = await startDaemon();
    const stateDir = first.stateDir;
    cleanups.push(() => removeStateDir(stateDir));
    // Stopped in the test; registered too, so a failing assertion cannot leave the daemon running.
    cleanups.push(async () => {
      await first.stop();
    });
    const dir = nodeDir();
    const { deviceId } = await pairWithDaemon(first, dir);
    const host = new NodeHost({ stateDir: dir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: fast }).start();
    cleanups.push(() => host.stop());
    await waitForNode(first, deviceId, { connected: true });
    await host.stop();
    await waitForNode(first, deviceId, { connected: false });
    const pending = first.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { queued: true }, timeout_ms: 60_000 }) }).catch(() => undefined);
    await until(async () => {
      const list = (await (await first.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ queued_tasks: number }> };
      return (list.nodes[0]?.queued_tasks ?? 0) > 0 ? true : undefined;
    }, 'the task to be queued');
    await first.stop();
    await pending;
    const second = await daemonFor(stateDir);
    // The port changed with the restart: point the node at the new one.
    const pin = loadDaemonPin(dir);
    saveDaemonPin(dir, { ...pin, port: Number((second.ready.quic ?? '').split(':').pop()) });
    const finished: string[] = [];
    const again = new NodeHost({ stateDir: dir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: fast, onEvent: (e) => e.type === 'task_finished' && finished.push(e.taskId) }).start();
    cleanups.push(() => again.stop());
    const taskId = await until(() => finished[0], 'the queued task to run after the restart');
    const task = await until(async () => {
      const view = (await (await second.admin(`/admin/v1/nodes/tasks/${taskId}`)).json()) as { task: { state: string } };
      return view.task.state === 'succeeded' ? view.task : undefined;
    }, 'the task to succeed');
    assert.equal(task.state, 'succeeded');
  });
});
