// NodeAdminService on the real daemon: codes, empty lists, unknown ids, scopes, versions, reflection; UNAVAILABLE without node RPC.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import pino from 'pino';
import { newId } from '../../src/core/ids.js';
import { NodeAdminServiceClient, PairingStatus } from '../../src/gen/palyra/node/v1/node.js';
import { createGrpcServer } from '../../src/transport/grpc/server.js';
import { createCoreFixture, TEST_ADMIN_TOKEN } from '../helpers/core-fixture.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, callError, type Identity } from '../helpers/grpc-client.js';

const reflectionProto = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto');

/** The services grpc.reflection.v1 lists at `address`. */
async function reflectedServices(address: string): Promise<string[]> {
  let node: unknown = grpc.loadPackageDefinition(loadSync(reflectionProto, { keepCase: true, enums: String }));
  for (const part of ['grpc', 'reflection', 'v1', 'ServerReflection']) node = (node as Record<string, unknown>)[part];
  type ListResponse = { list_services_response: { service: Array<{ name: string }> } };
  const Reflection = node as new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ListResponse> };
  const client = new Reflection(address, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => {
      const stream = client.ServerReflectionInfo();
      stream.on('data', (response: ListResponse) => {
        resolve(response.list_services_response.service.map((service) => service.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ list_services: '' });
    });
  } finally {
    client.close();
  }
}

const JOIN_STRING = /^palyra-pair:v1:([0-9A-HJKMNP-TV-Z]{26}):([A-Za-z0-9_-]{43}):([0-9a-f]{64}):(.+):(\d{1,5})$/;

describe('NodeAdminService', () => {
  let daemon: TestDaemon;
  let client: NodeAdminServiceClient;
  let admin: Identity;

  const mintToken = async (scopes: string[]): Promise<Identity> => {
    const response = await daemon.admin('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'grpc-node-admin', principal: 'user:grpc-node', scopes }) });
    assert.equal(response.status, 201);
    return { token: ((await response.json()) as { token: string }).token };
  };

  before(async () => {
    daemon = await startDaemon();
    client = new NodeAdminServiceClient(daemon.ready.grpc, grpc.credentials.createInsecure());
    admin = { token: daemon.adminToken };
  });
  after(async () => {
    client.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('CreatePairingCode → a join string with code id, secret and CA fingerprint matching the response fields', async () => {
    const startedMs = Date.now();
    const response = await call(client, client.createPairingCode, { v: 1, ttlMs: 90_000, autoApprove: false }, admin);
    const match = JOIN_STRING.exec(response.code);
    assert.ok(match, response.code);
    assert.equal(match[1], response.codeId);
    assert.equal(match[3], response.caFingerprintSha256);
    assert.match(response.caFingerprintSha256, /^[0-9a-f]{64}$/);
    assert.equal(response.v, 1);
    assert.ok(response.expiresAtUnixMs >= startedMs + 90_000 && response.expiresAtUnixMs <= Date.now() + 90_000);
  });

  test('CreatePairingCode with ttl_ms 0 → the 10-minute default; over 24 h → clamped to 24 h', async () => {
    const byDefault = await call(client, client.createPairingCode, { v: 1, ttlMs: 0, autoApprove: true }, admin);
    assert.ok(Math.abs(byDefault.expiresAtUnixMs - (Date.now() + 600_000)) < 5_000);
    const long = await call(client, client.createPairingCode, { v: 1, ttlMs: 7 * 86_400_000, autoApprove: false }, admin);
    assert.ok(Math.abs(long.expiresAtUnixMs - (Date.now() + 86_400_000)) < 5_000);
  });

  test('ListPairingRequests and ListNodes before any node paired → empty pages with empty cursors', async () => {
    const requests = await call(client, client.listPairingRequests, { v: 1, status: PairingStatus.PAIRING_STATUS_PENDING_APPROVAL, afterPairingId: '', limit: 0 }, admin);
    assert.deepEqual(requests, { v: 1, requests: [], nextAfterPairingId: '' });
    const nodes = await call(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 10 }, admin);
    assert.deepEqual(nodes, { v: 1, nodes: [], nextAfterDeviceId: '' });
  });

  test('ListNodes with limit over 500 or a malformed cursor → INVALID_ARGUMENT', async () => {
    assert.equal((await callError(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 501 }, admin)).code, status.INVALID_ARGUMENT);
    assert.equal((await callError(client, client.listPairingRequests, { v: 1, status: 0, afterPairingId: 'nope', limit: 0 }, admin)).code, status.INVALID_ARGUMENT);
  });

  test('DecidePairing on an unknown id → NOT_FOUND (approve and reject); without pairing_id → INVALID_ARGUMENT', async () => {
    for (const approve of [true, false]) {
      const error = await callError(client, client.decidePairing, { v: 1, pairingId: { ulid: newId() }, approve, reason: '' }, admin);
      assert.equal(error.code, status.NOT_FOUND);
      assert.match(error.details, /pairing request/);
    }
    assert.equal((await callError(client, client.decidePairing, { v: 1, pairingId: undefined, approve: true, reason: '' }, admin)).code, status.INVALID_ARGUMENT);
  });

  test('InvokeNode on an unknown device → NOT_FOUND; a malformed capability → INVALID_ARGUMENT', async () => {
    const request = { v: 1, deviceId: { ulid: newId() }, capability: 'echo', inputJson: Buffer.from('{"text":"hi"}'), timeoutMs: 0, maxOutputBytes: 0 };
    const error = await callError(client, client.invokeNode, request, admin);
    assert.equal(error.code, status.NOT_FOUND);
    assert.match(error.details, /node/);
    assert.equal((await callError(client, client.invokeNode, { ...request, capability: 'no spaces' }, admin)).code, status.INVALID_ARGUMENT);
    assert.equal((await callError(client, client.invokeNode, { ...request, inputJson: Buffer.from('{not json') }, admin)).code, status.INVALID_ARGUMENT);
  });

  test('RevokeDevice on an unknown device → NOT_FOUND', async () => {
    const error = await callError(client, client.revokeDevice, { v: 1, deviceId: { ulid: newId() }, reason: 'gone' }, admin);
    assert.equal(error.code, status.NOT_FOUND);
  });

  test('reflection lists NodeAdminService and not NodeService (served over QUIC, not here)', async () => {
    const names = await reflectedServices(daemon.ready.grpc);
    assert.ok(names.includes('palyra.node.v1.NodeAdminService'), names.join());
    assert.ok(!names.includes('palyra.node.v1.NodeService'), names.join());
    assert.ok(names.includes('palyra.gateway.v1.GatewayService'));
  });

  test('a request with v = 0 → FAILED_PRECONDITION', async () => {
    assert.equal((await callError(client, client.createPairingCode, { v: 0, ttlMs: 0, autoApprove: false }, admin)).code, status.FAILED_PRECONDITION);
  });

  test('no credential → UNAUTHENTICATED on every method', async () => {
    const none: Identity = {};
    const id = { ulid: newId() };
    const errors = await Promise.all([
      callError(client, client.createPairingCode, { v: 1, ttlMs: 0, autoApprove: false }, none),
      callError(client, client.listPairingRequests, { v: 1, status: 0, afterPairingId: '', limit: 0 }, none),
      callError(client, client.decidePairing, { v: 1, pairingId: id, approve: true, reason: '' }, none),
      callError(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 0 }, none),
      callError(client, client.invokeNode, { v: 1, deviceId: id, capability: 'echo', inputJson: Buffer.alloc(0), timeoutMs: 0, maxOutputBytes: 0 }, none),
      callError(client, client.revokeDevice, { v: 1, deviceId: id, reason: '' }, none),
    ]);
    assert.deepEqual(errors.map((error) => error.code), Array(6).fill(status.UNAUTHENTICATED));
  });

  test('a token without devices:write / nodes:write → PERMISSION_DENIED on writes; reads with *:read succeed', async () => {
    const reader = await mintToken(['devices:read', 'nodes:read']);
    const id = { ulid: newId() };
    const denied = [
      await callError(client, client.createPairingCode, { v: 1, ttlMs: 0, autoApprove: false }, reader),
      await callError(client, client.decidePairing, { v: 1, pairingId: id, approve: true, reason: '' }, reader),
      await callError(client, client.revokeDevice, { v: 1, deviceId: id, reason: '' }, reader),
      await callError(client, client.invokeNode, { v: 1, deviceId: id, capability: 'echo', inputJson: Buffer.alloc(0), timeoutMs: 0, maxOutputBytes: 0 }, reader),
    ];
    assert.deepEqual(denied.map((error) => error.code), Array(4).fill(status.PERMISSION_DENIED));
    assert.match(denied[0]?.details ?? '', /devices:write/);
    assert.match(denied[3]?.details ?? '', /nodes:write/);
    assert.deepEqual((await call(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 0 }, reader)).nodes, []);
    const writer = await mintToken(['devices:write']);
    assert.match((await call(client, client.createPairingCode, { v: 1, ttlMs: 0, autoApprove: false }, writer)).code, JOIN_STRING);
    assert.equal((await callError(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 0 }, writer)).code, status.PERMISSION_DENIED);
  });
});

describe('NodeAdminService on a core without node RPC', () => {
  test('every method → UNAVAILABLE (after authentication)', async () => {
    const fixture = createCoreFixture();
    const server = createGrpcServer({ core: fixture.core, info: { version: 't', startedAtMs: Date.now() }, logger: pino({ level: 'silent' }) });
    const port = await server.listen('127.0.0.1', 0);
    const client = new NodeAdminServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const admin = { token: TEST_ADMIN_TOKEN };
      const error = await callError(client, client.createPairingCode, { v: 1, ttlMs: 0, autoApprove: false }, admin);
      assert.equal(error.code, status.UNAVAILABLE);
      assert.match(error.details, /node RPC is not enabled/);
      assert.equal((await callError(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 0 }, admin)).code, status.UNAVAILABLE);
      assert.equal((await callError(client, client.listNodes, { v: 1, afterDeviceId: '', limit: 0 }, {})).code, status.UNAUTHENTICATED);
    } finally {
      client.close();
      await server.close();
      await fixture.close();
    }
  });
});
