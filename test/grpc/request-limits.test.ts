// Requests the gateway refuses before its handlers: undecodable protobuf → INVALID_ARGUMENT, big messages to calls without credentials → RESOURCE_EXHAUSTED at once; both counted.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { RunStreamRequest } from '../../src/gen/palyra/common/v1/common.js';
import { GetHealthRequest, GetHealthResponse } from '../../src/gen/palyra/gateway/v1/gateway.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { collect, connect, metadataFor, openRequest } from '../helpers/grpc-client.js';
import { frame, openRaw } from '../helpers/raw-grpc.js';
import { PUBLIC_LIMIT_ENFORCED } from '../../src/transport/grpc/public-limit.js';

// Field 1 with wire type 7, which does not exist: no protobuf decoder accepts it.
const UNDECODABLE = Buffer.from([0x0f]);
const HEALTH = '/grpc.health.v1.Health/Check';
const GET_HEALTH = '/palyra.gateway.v1.GatewayService/GetHealth';
const REFLECTION = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';

/** A valid message of `bytes` bytes in all: field 15 (unknown to every request type here) as padding. */
function paddedMessage(bytes: number): Buffer {
  const length = bytes - 3;
  return Buffer.concat([Buffer.from([0x7a, (length & 0x7f) | 0x80, length >> 7]), Buffer.alloc(length, 0x61)]);
}

// Node 22 does not publish the HTTP/2 stream channel the 4 KiB limit watches (docs/architecture.md).
const NOT_ENFORCED = PUBLIC_LIMIT_ENFORCED ? false : `Node ${process.versions.node} does not publish http2.server.stream.created; only the 4 MiB server limit applies`;

describe('gateway request limits', () => {
  let daemon: TestDaemon;
  let session: http2.ClientHttp2Session;

  async function requestCount(route: string, code: string): Promise<number> {
    const text = await (await daemon.admin('/metrics')).text();
    const line = text.split('\n').find((row) => row.startsWith('palyra_requests_total{') && row.includes(`transport="grpc"`) && row.includes(`route="${route}"`) && row.includes(`code="${code}"`));
    return Number(line?.split(' ').at(-1) ?? 0);
  }

  before(async () => {
    daemon = await startDaemon();
    session = http2.connect(`http://${daemon.ready.grpc}`);
  });
  after(async () => {
    session.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  for (const [name, path, headers, route] of [
    ['WhoAmI (with credentials)', '/palyra.auth.v1.AuthService/WhoAmI', () => ({ authorization: `Bearer ${daemon.adminToken}` }), 'AuthService/WhoAmI'],
    ['GetHealth', GET_HEALTH, () => ({}), 'GatewayService/GetHealth'],
    ['grpc.health.v1 Check', HEALTH, () => ({}), 'Health/Check'],
  ] as const) {
    test(`${name} with undecodable protobuf bytes → INVALID_ARGUMENT (not INTERNAL), counted`, async () => {
      const before = await requestCount(route, 'INVALID_ARGUMENT');
      const call = openRaw(session, path, headers());
      call.send(UNDECODABLE);
      call.end();
      const result = await call.done;
      assert.equal(result.status, 3, result.message);
      assert.match(result.message, /not a valid protobuf encoding/);
      assert.equal(await requestCount(route, 'INVALID_ARGUMENT'), before + 1);
    });
  }

  test('WhoAmI without credentials and with undecodable bytes → UNAUTHENTICATED: credentials are checked before the message', async () => {
    const call = openRaw(session, '/palyra.auth.v1.AuthService/WhoAmI');
    call.send(UNDECODABLE);
    call.end();
    assert.equal((await call.done).status, 16);
  });

  test('RunStream with an undecodable follow-up → the run fails (FAILED status streamed) and the call ends INVALID_ARGUMENT', async () => {
    const clients = connect(daemon.ready.grpc);
    try {
      const call = openRaw(session, '/palyra.gateway.v1.GatewayService/RunStream', { authorization: `Bearer ${daemon.adminToken}`, 'x-palyra-device-id': newId() });
      const open = openRequest('@slow 50\n@tokens 20');
      call.send(RunStreamRequest.encode(open).finish());
      call.send(UNDECODABLE);
      call.end();
      const result = await call.done;
      assert.equal(result.status, 3, result.message);
      const watched = await collect(clients.gateway.watchRun({ v: 1, runId: open.runId, afterSeq: -1 }, metadataFor({ token: daemon.adminToken })));
      const last = watched.events.at(-1)?.body;
      assert.equal(last?.$case === 'status' && last.value.kind, 4);
    } finally {
      clients.close();
    }
  });

  for (const [name, path, route] of [
    ['GetHealth', GET_HEALTH, 'GatewayService/GetHealth'],
    ['grpc.health.v1 Check', HEALTH, 'Health/Check'],
    ['server reflection', REFLECTION, 'ServerReflection/ServerReflectionInfo'],
  ] as const) {
    test(`${name} without credentials, a message announcing 8 MiB → RESOURCE_EXHAUSTED after its first bytes, counted`, { skip: NOT_ENFORCED }, async () => {
      const before = await requestCount(route, 'RESOURCE_EXHAUSTED');
      const started = performance.now();
      const call = openRaw(session, path);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(8 * 1024 * 1024, 1);
      call.write(Buffer.concat([prefix, Buffer.alloc(16 * 1024, 0x61)]));
      const result = await call.done;
      assert.equal(result.status, 8, result.message);
      assert.match(result.message, /exceeds the 4096-byte limit of calls without credentials/);
      assert.ok(performance.now() - started < 1_000, 'refused before the rest of the message');
      assert.equal(await requestCount(route, 'RESOURCE_EXHAUSTED'), before + 1);
    });
  }

  test('GetHealth with a message of exactly 4096 bytes → served; 4097 bytes → RESOURCE_EXHAUSTED', { skip: NOT_ENFORCED }, async () => {
    const fits = openRaw(session, GET_HEALTH);
    fits.send(paddedMessage(4096));
    fits.end();
    const served = await fits.done;
    assert.equal(served.status, 0, served.message);
    assert.equal(GetHealthResponse.decode(served.messages[0] as Buffer).status, 'ok');
    const over = openRaw(session, GET_HEALTH);
    over.write(frame(paddedMessage(4097)));
    over.end();
    assert.equal((await over.done).status, 8);
  });

  test('the connection keeps serving after refusals: GetHealth on the same session → OK', async () => {
    const call = openRaw(session, GET_HEALTH);
    call.send(GetHealthRequest.encode({ v: 1 }).finish());
    call.end();
    assert.equal((await call.done).status, 0);
  });
});
