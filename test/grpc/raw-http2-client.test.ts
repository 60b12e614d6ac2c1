// An independent gRPC client on raw node:http2 (length-prefixed frames, trailers) against the real daemon.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { WhoAmIRequest, WhoAmIResponse } from '../../src/gen/palyra/auth/v1/auth.js';
import { RunStreamEvent, RunStreamRequest } from '../../src/gen/palyra/common/v1/common.js';
import { GetHealthRequest, GetHealthResponse } from '../../src/gen/palyra/gateway/v1/gateway.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { openRequest } from '../helpers/grpc-client.js';
import { openRaw as open } from '../helpers/raw-grpc.js';

describe('a raw node:http2 gRPC client', () => {
  let daemon: TestDaemon;
  let session: http2.ClientHttp2Session;

  before(async () => {
    daemon = await startDaemon();
    session = http2.connect(`http://${daemon.ready.grpc}`);
  });
  after(async () => {
    session.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('GetHealth without credentials → grpc-status 0 and a decodable response', async () => {
    const call = open(session, '/palyra.gateway.v1.GatewayService/GetHealth');
    call.send(GetHealthRequest.encode({ v: 1 }).finish());
    call.end();
    const result = await call.done;
    assert.equal(result.status, 0);
    const health = GetHealthResponse.decode(result.messages[0] as Buffer);
    assert.equal(health.service, 'palyrad');
    assert.equal(health.status, 'ok');
  });

  test('WhoAmI with a bearer token → the admin principal; without → grpc-status 16 (UNAUTHENTICATED) trailers-only', async () => {
    const authed = open(session, '/palyra.auth.v1.AuthService/WhoAmI', { authorization: `Bearer ${daemon.adminToken}`, 'x-palyra-principal': 'admin:raw' });
    authed.send(WhoAmIRequest.encode({ v: 1 }).finish());
    authed.end();
    const result = await authed.done;
    assert.equal(result.status, 0);
    assert.equal(WhoAmIResponse.decode(result.messages[0] as Buffer).principal, 'admin:raw');
    const anonymous = open(session, '/palyra.auth.v1.AuthService/WhoAmI');
    anonymous.send(WhoAmIRequest.encode({ v: 1 }).finish());
    anonymous.end();
    const denied = await anonymous.done;
    assert.equal(denied.status, 16);
    assert.match(denied.message, /credentials are missing/);
  });

  test('a full RunStream: open, tokens, half-close → DONE and grpc-status 0', async () => {
    const call = open(session, '/palyra.gateway.v1.GatewayService/RunStream', { authorization: `Bearer ${daemon.adminToken}`, 'x-palyra-device-id': newId() });
    const request = openRequest('raw client says hi');
    call.send(RunStreamRequest.encode(request).finish());
    call.onMessage((message) => {
      const event = RunStreamEvent.decode(message);
      if (event.body?.$case === 'modelToken' && event.body.value.isFinal) call.end();
    });
    const result = await call.done;
    assert.equal(result.status, 0);
    const events = result.messages.map((message) => RunStreamEvent.decode(message));
    const text = events.map((event) => (event.body?.$case === 'modelToken' ? event.body.value.token : '')).join('');
    assert.equal(text, 'You said: raw client says hi');
    const last = events.at(-1)?.body;
    assert.equal(last?.$case === 'status' && last.value.kind, 3);
    assert.ok(events.every((event) => event.runId?.ulid === request.runId?.ulid));
  });

  test('an unknown method → grpc-status 12 (UNIMPLEMENTED)', async () => {
    const call = open(session, '/palyra.gateway.v1.GatewayService/NoSuchMethod');
    call.send(new Uint8Array());
    call.end();
    assert.equal((await call.done).status, 12);
  });
});
