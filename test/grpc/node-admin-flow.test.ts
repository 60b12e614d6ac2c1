// A whole pairing and task round trip through NodeAdminService, on an in-process core whose node side is driven directly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import pino from 'pino';
import type { CallContext } from '../../src/core/context.js';
import { ClientKind, NodeAdminServiceClient, PairingStatus } from '../../src/gen/palyra/node/v1/node.js';
import { pemToDer } from '../../src/infra/crypto/fingerprint.js';
import { signPairingStatus } from '../../src/infra/crypto/node-identity.js';
import { createGrpcServer, type GrpcServer } from '../../src/transport/grpc/server.js';
import { call, callError, type Identity } from '../helpers/grpc-client.js';
import { createNodeFixture, type NodeFixture, RecordingSink } from '../helpers/node-fixture.js';

describe('NodeAdminService: pairing → DecidePairing → ListNodes → InvokeNode → RevokeDevice', () => {
  let fixture: NodeFixture;
  let server: GrpcServer;
  let client: NodeAdminServiceClient;
  let admin: Identity;
  let nodeCtx: CallContext;
  let deviceId: string;
  const sink = new RecordingSink();

  const begin = async () => {
    const code = await call(client, client.createPairingCode, { v: 1, ttlMs: 0, autoApprove: false }, admin);
    const identity = fixture.newIdentity();
    const begun = await fixture.core.pairing.beginPairing(fixture.beginInput(code.code, identity));
    return { identity, pairingId: begun.pairingId, codeId: code.codeId };
  };
  const invokeRequest = (capability: string, input: unknown, timeoutMs = 10_000) => ({
    v: 1,
    deviceId: { ulid: deviceId },
    capability,
    inputJson: Buffer.from(JSON.stringify(input)),
    timeoutMs,
    maxOutputBytes: 0,
  });

  before(async () => {
    fixture = await createNodeFixture();
    server = createGrpcServer({ core: fixture.core, info: { version: 'test', startedAtMs: Date.now() }, logger: pino({ level: 'silent' }) });
    const port = await server.listen('127.0.0.1', 0);
    client = new NodeAdminServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    admin = { token: (await fixture.core.tokens.createApiToken(fixture.admin, { name: 'flow', principal: 'admin:grpc-flow', scopes: ['*'] })).token };
  });
  after(async () => {
    client.close();
    await server.close();
    await fixture.close();
  });

  test('ListPairingRequests shows the pending request with its fingerprints; DecidePairing approve → APPROVED', async () => {
    const { identity, pairingId, codeId } = await begin();
    const listed = await call(client, client.listPairingRequests, { v: 1, status: PairingStatus.PAIRING_STATUS_PENDING_APPROVAL, afterPairingId: '', limit: 0 }, admin);
    assert.equal(listed.requests.length, 1);
    const summary = listed.requests[0];
    assert.equal(summary?.pairingId?.ulid, pairingId);
    assert.equal(summary?.deviceId?.ulid, identity.deviceId);
    assert.equal(summary?.codeId, codeId);
    assert.equal(summary?.clientKind, ClientKind.CLIENT_KIND_NODE);
    assert.equal(summary?.status, PairingStatus.PAIRING_STATUS_PENDING_APPROVAL);
    assert.equal(summary?.identityFingerprintSha256, createHash('sha256').update(identity.identityPublicKey).digest('hex'));
    assert.equal(summary?.keyFingerprintSha256, createHash('sha256').update(identity.tls.publicKeySpkiDer).digest('hex'));
    assert.equal(summary?.peer, '127.0.0.1');

    const decided = await call(client, client.decidePairing, { v: 1, pairingId: { ulid: pairingId }, approve: true, reason: 'checked' }, admin);
    assert.equal(decided.request?.status, PairingStatus.PAIRING_STATUS_APPROVED);
    assert.equal(decided.request?.decidedBy, 'admin:grpc-flow');
    assert.match(decided.request?.certFingerprintSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok((decided.request?.certExpiresAtUnixMs ?? 0) > Date.now());
    const twice = await callError(client, client.decidePairing, { v: 1, pairingId: { ulid: pairingId }, approve: false, reason: '' }, admin);
    assert.equal(twice.code, status.FAILED_PRECONDITION);

    const polled = await fixture.core.pairing.getStatus({ pairingId, deviceId: identity.deviceId, identitySignature: signPairingStatus(identity, pairingId) });
    nodeCtx = fixture.core.devices.authenticateCertificate(pemToDer(polled.certificatePem ?? '', 'CERTIFICATE'));
    await fixture.core.devices.register(nodeCtx, { platform: 'linux-aarch64', capabilities: [{ name: 'echo', available: true }] });
    deviceId = identity.deviceId;
  });

  test('DecidePairing reject → REJECTED with the reason; pages of one carry a cursor to the next', async () => {
    const { pairingId } = await begin();
    const decided = await call(client, client.decidePairing, { v: 1, pairingId: { ulid: pairingId }, approve: false, reason: 'not ours' }, admin);
    assert.equal(decided.request?.status, PairingStatus.PAIRING_STATUS_REJECTED);
    assert.equal(decided.request?.reason, 'not ours');
    const first = await call(client, client.listPairingRequests, { v: 1, status: 0, afterPairingId: '', limit: 1 }, admin);
    assert.equal(first.requests.length, 1);
    assert.equal(first.nextAfterPairingId, first.requests[0]?.pairingId?.ulid);
    const second = await call(client, client.listPairingRequests, { v: 1, status: 0, afterPairingId: first.nextAfterPairingId, limit: 1 }, admin);
    assert.equal(second.requests[0]?.pairingId?.ulid, pairingId);
    const rejected = await call(client, client.listPairingRequests, { v: 1, status: PairingStatus.PAIRING_STATUS_REJECTED, afterPairingId: '', limit: 0 }, admin);
    assert.deepEqual(rejected.requests.map((request) => request.pairingId?.ulid), [pairingId]);
  });

  test('ListNodes → the registered node with platform, capabilities and certificate expiry', async () => {
    const { nodes, nextAfterDeviceId } = await call(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 0 }, admin);
    assert.equal(nextAfterDeviceId, '');
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0]?.deviceId?.ulid, deviceId);
    assert.equal(nodes[0]?.platform, 'linux-aarch64');
    assert.deepEqual(nodes[0]?.capabilities, [{ name: 'echo', available: true }]);
    assert.equal(nodes[0]?.revoked, false);
    assert.ok((nodes[0]?.certExpiresAtUnixMs ?? 0) > Date.now());
  });

  test('InvokeNode → the node gets the task and its result is the response', async () => {
    fixture.core.nodes.attach(nodeCtx, sink, { maxConcurrentTasks: 2 });
    const pending = call(client, client.invokeNode, invokeRequest('echo', { text: 'over grpc' }), admin);
    const [task] = await sink.waitForPushes(1);
    assert.ok(task);
    assert.deepEqual(JSON.parse(task.inputJson), { text: 'over grpc' });
    await fixture.core.nodes.acceptUpdate(nodeCtx, { taskId: task.taskId, result: { success: false, outputJson: '{"partial":true}', error: 'disk full' } });
    const response = await pending;
    assert.equal(response.taskId?.ulid, task.taskId);
    assert.equal(response.success, false);
    assert.deepEqual(JSON.parse(Buffer.from(response.outputJson).toString()), { partial: true });
    assert.equal(response.error, 'disk full');
  });

  test('InvokeNode with no answer before timeout_ms → DEADLINE_EXCEEDED; an unknown capability → FAILED_PRECONDITION', async () => {
    const error = await callError(client, client.invokeNode, invokeRequest('echo', null, 1_000), admin);
    assert.equal(error.code, status.DEADLINE_EXCEEDED);
    assert.equal((await callError(client, client.invokeNode, invokeRequest('missing', null), admin)).code, status.FAILED_PRECONDITION);
  });

  test('RevokeDevice → revoked, the task channel closed, ListNodes marks it revoked; again → revoked false', async () => {
    const revoked = await call(client, client.revokeDevice, { v: 1, deviceId: { ulid: deviceId }, reason: 'lost laptop' }, admin);
    assert.equal(revoked.deviceId?.ulid, deviceId);
    assert.equal(revoked.revoked, true);
    assert.ok(sink.closedWith);
    const { nodes } = await call(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 0 }, admin);
    assert.equal(nodes[0]?.revoked, true);
    assert.equal((await call(client, client.revokeDevice, { v: 1, deviceId: { ulid: deviceId }, reason: '' }, admin)).revoked, false);
    assert.equal((await callError(client, client.invokeNode, invokeRequest('echo', null), admin)).code, status.FAILED_PRECONDITION);
  });
});
