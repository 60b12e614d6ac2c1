// Per-method certificate rules on QUIC and the TLS fallback, framing errors and versioning, each asserted on the first stream.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { callOnStream, NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { isCoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { HeartbeatRequest, HeartbeatResponse, RegisterNodeRequest, RegisterNodeResponse } from '../../src/gen/palyra/node/v1/node.js';
import { loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { loadOrCreateNodeIdentity, type NodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { encodeFrame, readFrames } from '../../src/transport/quic/codec.js';
import { fromErrorFrame } from '../../src/transport/quic/errors.js';
import { METHOD_PREFIX } from '../../src/transport/quic/methods.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir } from '../helpers/node-host.js';

const REGISTER = `${METHOD_PREFIX}RegisterNode`;

describe('node RPC authentication per method', () => {
  let daemon: TestDaemon;
  let port: number;
  let caFingerprint: string;
  let dirs: string[] = [];
  let node: NodeIdentity;
  const links: NodeLink[] = [];

  const connect = async (transport: 'quic' | 'tcp', clientCertificate: { privateKeyPem: string; certificatePem: string } | null) => {
    const link = await dial({ host: '127.0.0.1', port, caFingerprint, clientCertificate, transport });
    links.push(link);
    return link;
  };
  const certOf = (identity: NodeIdentity) => ({ privateKeyPem: identity.tls.privateKeyPem, certificatePem: identity.tls.certificatePem ?? '' });
  const register = (link: NodeLink, deviceId: string) =>
    new NodeRpcClient(link, 5_000).registerNode({ deviceId: { ulid: deviceId }, platform: 'linux-x86_64', capabilities: [{ name: 'echo', available: true }], nodeVersion: 'test' });
  const rejectsWith = async (promise: Promise<unknown>, code: string, pattern?: RegExp) => {
    await assert.rejects(promise, (error: unknown) => isCoreError(error) && error.code === code && (!pattern || pattern.test(`${error.message} ${JSON.stringify(error.details)}`)));
  };

  before(async () => {
    daemon = await startDaemon();
    port = Number((daemon.ready.quic ?? '').split(':').pop());
    const paired = makeNodeDir();
    dirs.push(paired);
    await pairWithDaemon(daemon, paired);
    caFingerprint = loadDaemonPin(paired).caFingerprint;
    node = loadOrCreateNodeIdentity(paired);
  });

  after(async () => {
    await Promise.all(links.map((link) => link.close()));
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    for (const dir of dirs) removeNodeDir(dir);
    dirs = [];
  });

  for (const transport of ['quic', 'tcp'] as const) {
    test(`${transport}: RegisterNode without a certificate → unauthenticated on the first stream`, async () => {
      await rejectsWith(register(await connect(transport, null), node.deviceId), 'unauthenticated', /paired device certificate/);
    });

    test(`${transport}: RegisterNode with the paired certificate → accepted; Heartbeat works`, async () => {
      const link = await connect(transport, certOf(node));
      const registered = await register(link, node.deviceId);
      assert.equal(registered.accepted, true);
      const beat = await new NodeRpcClient(link).heartbeat({ deviceId: { ulid: node.deviceId }, sentAtUnixMs: Date.now(), runningTasks: 0 });
      assert.ok(beat.serverTimeUnixMs > 0);
    });

    test(`${transport}: a heartbeat on the task channel (RegisterNode offers it) → answered there; naming another device → the channel ends with permission_denied`, async () => {
      const link = await connect(transport, certOf(node));
      const registered = await register(link, node.deviceId);
      assert.equal(registered.channelHeartbeats, true);
      const channel = await new NodeRpcClient(link, 5_000).openTaskChannel({ deviceId: node.deviceId, maxConcurrentTasks: 1 });
      const beforeMs = Date.now();
      await channel.send({ $case: 'heartbeat', value: { v: 1, deviceId: { ulid: node.deviceId }, sentAtUnixMs: beforeMs, runningTasks: 0 } });
      const answer = await channel.messages.next();
      assert.equal(answer.value?.body?.$case, 'heartbeat');
      const beat = answer.value.body.value;
      assert.deepEqual({ interval: beat.heartbeatIntervalMs, renew: beat.renewCertificate }, { interval: 15_000, renew: false });
      assert.ok(beat.serverTimeUnixMs >= beforeMs - 1_000 && beat.serverTimeUnixMs <= Date.now() + 1_000, `server time ${beat.serverTimeUnixMs}`);
      await channel.send({ $case: 'heartbeat', value: { v: 1, deviceId: { ulid: newId() }, sentAtUnixMs: Date.now(), runningTasks: 0 } });
      await rejectsWith(channel.messages.next(), 'permission_denied', /does not match/);
      channel.close();
    });

    test(`${transport}: a request naming another device id → permission_denied`, async () => {
      await rejectsWith(register(await connect(transport, certOf(node)), newId()), 'permission_denied', /does not match/);
    });

    test(`${transport}: a certificate from a foreign CA → refused on the first stream`, async () => {
      const foreignDir = makeNodeDir();
      dirs.push(foreignDir);
      const foreignCa = await loadOrCreateDaemonCa(foreignDir);
      const cert = await foreignCa.issueDeviceCertificate({ deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, validityMs: 3_600_000, nowMs: Date.now() });
      const link = await connect(transport, { privateKeyPem: node.tls.privateKeyPem, certificatePem: cert.certificatePem }).catch((error: unknown) => error);
      if (link instanceof Error) return assert.match(link.message, /cannot reach|alert|certificate/i);
      await assert.rejects(register(link as NodeLink, node.deviceId));
    });

    test(`${transport}: an expired certificate from our CA → refused on the first stream`, async () => {
      const ca = await loadOrCreateDaemonCa(daemon.stateDir);
      const cert = await ca.issueDeviceCertificate({ deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, validityMs: 60_000, nowMs: Date.now() - 3_600_000 });
      const link = await connect(transport, { privateKeyPem: node.tls.privateKeyPem, certificatePem: cert.certificatePem }).catch((error: unknown) => error);
      if (link instanceof Error) return assert.match(link.message, /cannot reach|alert|certificate/i);
      await assert.rejects(register(link as NodeLink, node.deviceId));
    });

    test(`${transport}: a valid certificate from our CA that this daemon never recorded → refused on the first stream`, async () => {
      const ca = await loadOrCreateDaemonCa(daemon.stateDir);
      const cert = await ca.issueDeviceCertificate({ deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, validityMs: 3_600_000, nowMs: Date.now() });
      const link = await connect(transport, { privateKeyPem: node.tls.privateKeyPem, certificatePem: cert.certificatePem }).catch((error: unknown) => error);
      if (link instanceof Error) return assert.match(link.message, /cannot reach|alert|certificate/i);
      await assert.rejects(register(link as NodeLink, node.deviceId));
    });

    test(`${transport}: frame version 0 → failed_precondition protocol_mismatch (reference bug 13)`, async () => {
      const link = await connect(transport, certOf(node));
      const frame = encodeFrame({ kind: 'request', method: REGISTER, payload: new Uint8Array() });
      frame[5] = 0;
      await rejectsWith(rawCall(link, frame), 'failed_precondition', /protocol_mismatch/);
    });

    test(`${transport}: message v = 0 → failed_precondition protocol_mismatch`, async () => {
      const payload = RegisterNodeRequest.encode({ v: 0, deviceId: { ulid: node.deviceId }, platform: 'linux-x86_64', capabilities: [], nodeVersion: '' }).finish();
      await rejectsWith(callOnStream(await (await connect(transport, certOf(node))).openStream(), REGISTER, payload, RegisterNodeResponse), 'failed_precondition', /protocol_mismatch/);
    });

    test(`${transport}: unknown method → not_found unsupported_method`, async () => {
      const payload = HeartbeatRequest.encode({ v: 1, deviceId: { ulid: node.deviceId }, sentAtUnixMs: 0, runningTasks: 0 }).finish();
      await rejectsWith(callOnStream(await (await connect(transport, null)).openStream(), `${METHOD_PREFIX}Nope`, payload, HeartbeatResponse), 'not_found', /unsupported_method/);
    });

    test(`${transport}: a length prefix over 512 KiB → resource_exhausted frame_too_large, daemon up`, async () => {
      const link = await connect(transport, null);
      await rejectsWith(rawCall(link, Buffer.from([0x40, 0, 0, 0, 1, 1])), 'resource_exhausted', /frame_too_large/);
      assert.equal(daemon.process.exitCode, null);
    });

    test(`${transport}: an unknown frame kind → invalid_argument malformed_frame`, async () => {
      await rejectsWith(rawCall(await connect(transport, null), Buffer.from([0, 0, 0, 3, 9, 1, 0])), 'invalid_argument', /malformed_frame/);
    });

    test(`${transport}: a garbage protobuf payload → invalid_argument, daemon up`, async () => {
      const frame = encodeFrame({ kind: 'request', method: REGISTER, payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]) });
      await rejectsWith(rawCall(await connect(transport, certOf(node)), frame), 'invalid_argument');
      assert.equal(daemon.process.exitCode, null);
    });
  }

  test('revoked device → its certificate is refused on the first stream, on both transports', async () => {
    const revoked = await daemon.admin(`/admin/v1/nodes/${node.deviceId}/revoke`, { method: 'POST', body: JSON.stringify({ reason: 'test' }) });
    assert.equal(revoked.status, 200, await revoked.clone().text());
    for (const transport of ['quic', 'tcp'] as const) {
      const link = await connect(transport, certOf(node)).catch((error: unknown) => error);
      if (link instanceof Error) continue;
      await assert.rejects(register(link as NodeLink, node.deviceId));
    }
  });
});

/** Writes raw bytes as the whole request and decodes the daemon's answer (an error frame is thrown). */
async function rawCall(link: NodeLink, bytes: Uint8Array): Promise<unknown> {
  const stream = await link.openStream();
  try {
    await stream.write(bytes);
    await stream.end();
    for await (const frame of readFrames(stream.chunks)) {
      if (frame.kind === 'error') throw fromErrorFrame(frame.error);
      return frame;
    }
    throw new Error('no answer');
  } finally {
    stream.destroy();
  }
}
