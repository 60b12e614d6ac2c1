// Issue 10 item 4: revocation reaches a connected node as permission_denied / device_revoked, not retryable, and the node host stops without reconnecting.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost, type NodeHostEvent } from '../../src/cli/node-host/node-host.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { isCoreError } from '../../src/core/errors.js';
import { OpenTaskChannelRequest, OpenTaskChannelResponse } from '../../src/gen/palyra/node/v1/node.js';
import { loadOrCreateNodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { encodeFrame, type ErrorFramePayload, readFrames } from '../../src/transport/quic/codec.js';
import { OPEN_TASK_CHANNEL } from '../../src/transport/quic/methods.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, waitForNode } from '../helpers/node-host.js';

describe('revocation of a connected node', () => {
  let daemon: TestDaemon;
  const dirs: string[] = [];
  const links: NodeLink[] = [];
  const hosts: NodeHost[] = [];
  const pairedNode = async () => {
    const dir = makeNodeDir();
    dirs.push(dir);
    const { deviceId } = await pairWithDaemon(daemon, dir);
    return { dir, deviceId };
  };
  const revoke = async (deviceId: string) => {
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/revoke`, { method: 'POST', body: JSON.stringify({ reason: 'lost laptop' }) });
    assert.equal(response.status, 200, await response.clone().text());
  };

  before(async () => {
    daemon = await startDaemon();
  });

  after(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await Promise.all(links.map((link) => link.close()));
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    for (const dir of dirs) removeNodeDir(dir);
  });

  for (const transport of ['quic', 'tcp'] as const) {
    test(`${transport}: an open task channel → its last frame is permission_denied, reason device_revoked, retryable false`, async () => {
      const { dir, deviceId } = await pairedNode();
      const identity = loadOrCreateNodeIdentity(dir);
      const pin = loadDaemonPin(dir);
      const link = await dial({ host: pin.host, port: pin.port, caFingerprint: pin.caFingerprint, clientCertificate: { privateKeyPem: identity.tls.privateKeyPem, certificatePem: identity.tls.certificatePem ?? '' }, transport });
      links.push(link);
      await new NodeRpcClient(link).registerNode({ deviceId: { ulid: deviceId }, platform: 'linux-x86_64', capabilities: [{ name: 'echo', available: true }], nodeVersion: 'test' });
      const stream = await link.openStream();
      const hello = OpenTaskChannelRequest.encode({ v: 1, body: { $case: 'hello', value: { deviceId: { ulid: deviceId }, maxConcurrentTasks: 1 } } }).finish();
      await stream.write(encodeFrame({ kind: 'request', method: OPEN_TASK_CHANNEL, payload: hello }));
      // A task pushed on the channel proves it is attached before the revocation.
      const invoked = daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: {} }) });
      const frames = readFrames(stream.chunks);
      const first = await frames.next();
      assert.equal(first.value?.kind, 'message');
      assert.equal(OpenTaskChannelResponse.decode((first.value as { payload: Uint8Array }).payload).body?.$case, 'task');
      await revoke(deviceId);
      let last: ErrorFramePayload | undefined;
      for await (const frame of frames) if (frame.kind === 'error') last = frame.error;
      assert.deepEqual(last && { code: last.code, reason: last.reason, retryable: last.retryable }, { code: 'permission_denied', reason: 'device_revoked', retryable: false });
      assert.match(last?.message ?? '', /revoked: lost laptop/);
      await (await invoked).arrayBuffer();
    });

    test(`${transport}: a running node host → stops at its first disconnection with permission_denied, without reconnecting`, async () => {
      const { dir, deviceId } = await pairedNode();
      const events: NodeHostEvent[] = [];
      const host = new NodeHost({ stateDir: dir, config: DEFAULT_NODE_CONFIG, transport, backoff: { initialMs: 50, maxMs: 200 }, onEvent: (event) => events.push(event) }).start();
      hosts.push(host);
      await waitForNode(daemon, deviceId, { connected: true });
      // An answered task proves the channel is attached: revoked earlier, the host's OpenTaskChannel is
      // refused by the per-call certificate check instead (reason certificate_revoked, also fatal).
      const echoed = await daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { attached: true } }) });
      assert.equal(echoed.status, 200, await echoed.text());
      await revoke(deviceId);
      const fatal = await Promise.race([host.done, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
      assert.ok(isCoreError(fatal, 'permission_denied'), `stopped with ${String(fatal)}: ${JSON.stringify(events)}`);
      assert.equal(fatal.details.reason, 'device_revoked');
      assert.match(fatal.message, /will not reconnect/);
      assert.deepEqual(
        events.map((event) => event.type).filter((type) => !type.startsWith('task_')),
        ['connected', 'registered', 'disconnected', 'stopped'],
        JSON.stringify(events),
      );
    });
  }
});
