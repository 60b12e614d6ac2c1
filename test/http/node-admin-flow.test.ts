// A whole pairing and task round trip through the HTTP routes, on an in-process core whose node side is driven directly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { CallContext } from '../../src/core/context.js';
import { pemToDer } from '../../src/infra/crypto/fingerprint.js';
import { signPairingStatus } from '../../src/infra/crypto/node-identity.js';
import { createHttpServer } from '../../src/transport/http/server.js';
import { createNodeFixture, type NodeFixture, RecordingSink } from '../helpers/node-fixture.js';

let fixture: NodeFixture;
let app: FastifyInstance;
let base: string;
let token: string;

async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${base}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A node proving the code in `joinString` (what `palyra node pair` does over QUIC); returns its identity and pairing id. */
async function beginPairing(joinString: string) {
  const identity = fixture.newIdentity();
  const begun = await fixture.core.pairing.beginPairing(fixture.beginInput(joinString, identity));
  return { identity, pairingId: begun.pairingId };
}

describe('pairing → approval → node list → invoke → revoke over /admin/v1', () => {
  let nodeCtx: CallContext;
  let deviceId: string;
  const sink = new RecordingSink();

  before(async () => {
    fixture = await createNodeFixture();
    app = await createHttpServer({
      core: fixture.core,
      logger: pino({ level: 'silent' }),
      info: { version: 'test', startedAtMs: Date.now(), listeners: () => ({}), isReady: () => true },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    token = (await fixture.core.tokens.createApiToken(fixture.admin, { name: 'flow', principal: 'admin:flow', scopes: ['*'] })).token;
  });
  after(async () => {
    await app.close();
    await fixture.close();
  });

  test('a pending request lists with the identity fingerprint the node prints; approve → approved with a certificate', async () => {
    const code = await api('POST', '/pairing/codes', { ttl_seconds: 300 });
    assert.equal(code.status, 201);
    const { identity, pairingId } = await beginPairing(code.body.join_string);
    const pending = await api('GET', '/pairing/requests?state=pending');
    assert.equal(pending.status, 200);
    assert.equal(pending.body.requests.length, 1);
    const request = pending.body.requests[0];
    assert.equal(request.pairing_id, pairingId);
    assert.equal(request.device_id, identity.deviceId);
    assert.equal(request.code_id, code.body.code_id);
    assert.equal(request.identity_fingerprint, createHash('sha256').update(identity.identityPublicKey).digest('hex'));
    assert.equal(request.state, 'pending');

    const approved = await api('POST', `/pairing/requests/${pairingId}/approve`, { reason: 'fingerprint checked' });
    assert.equal(approved.status, 200);
    assert.equal(approved.body.request.state, 'approved');
    assert.equal(approved.body.request.decided_by, 'admin:flow');
    assert.equal(approved.body.request.reason, 'fingerprint checked');
    assert.match(approved.body.request.cert_fingerprint, /^[0-9a-f]{64}$/);

    const again = await api('POST', `/pairing/requests/${pairingId}/reject`, {});
    assert.equal(again.status, 412);
    assert.equal(again.body.code, 'failed_precondition');

    const polled = await fixture.core.pairing.getStatus({ pairingId, deviceId: identity.deviceId, identitySignature: signPairingStatus(identity, pairingId) });
    nodeCtx = fixture.core.devices.authenticateCertificate(pemToDer(polled.certificatePem ?? '', 'CERTIFICATE'));
    await fixture.core.devices.register(nodeCtx, { platform: 'linux-x86_64', capabilities: [{ name: 'echo', available: true }, { name: 'camera', available: false }] });
    deviceId = identity.deviceId;
    assert.equal((await api('GET', '/pairing/requests?state=completed')).body.requests[0]?.pairing_id, pairingId);
  });

  test('GET /nodes → the registered node with its capabilities and empty queues', async () => {
    const listed = await api('GET', '/nodes');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.nodes.length, 1);
    const node = listed.body.nodes[0];
    assert.equal(node.device_id, deviceId);
    assert.equal(node.status, 'paired');
    assert.equal(node.platform, 'linux-x86_64');
    assert.deepEqual(node.capabilities, [{ name: 'camera', available: false }, { name: 'echo', available: true }]);
    assert.equal(node.queued_tasks, 0);
    assert.equal(node.principal, `node:${deviceId}`);
  });

  test('POST /nodes/:id/invoke → the task reaches the node; its result is the response; the task reads back succeeded', async () => {
    fixture.core.nodes.attach(nodeCtx, sink, { maxConcurrentTasks: 4 });
    const pending = api('POST', `/nodes/${deviceId}/invoke`, { capability: 'echo', input: { text: 'hi' }, timeout_ms: 10_000 });
    const [task] = await sink.waitForPushes(1);
    assert.ok(task);
    assert.equal(task.capability, 'echo');
    assert.deepEqual(JSON.parse(task.inputJson), { text: 'hi' });
    const ack = await fixture.core.nodes.acceptUpdate(nodeCtx, { taskId: task.taskId, result: { success: true, outputJson: '{"echo":"hi"}' } });
    assert.equal(ack.accepted, true);
    const invoked = await pending;
    assert.equal(invoked.status, 200);
    assert.deepEqual(invoked.body, { task_id: task.taskId, success: true, output: { echo: 'hi' }, error: '' });
    const read = await api('GET', `/nodes/tasks/${task.taskId}`);
    assert.equal(read.body.task.state, 'succeeded');
    assert.deepEqual(read.body.task.output, { echo: 'hi' });
    assert.equal(read.body.task.requested_by, 'admin:flow');
  });

  test('invoke of a capability not advertised or unavailable → 412 failed_precondition', async () => {
    for (const capability of ['nope', 'camera']) {
      const refused = await api('POST', `/nodes/${deviceId}/invoke`, { capability });
      assert.equal(refused.status, 412, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'failed_precondition');
    }
  });

  test('a node that never answers → 504 deadline_exceeded after timeout_ms', async () => {
    const startedMs = Date.now();
    const timedOut = await api('POST', `/nodes/${deviceId}/invoke`, { capability: 'echo', timeout_ms: 1_000 });
    assert.equal(timedOut.status, 504);
    assert.equal(timedOut.body.code, 'deadline_exceeded');
    assert.ok(Date.now() - startedMs >= 900);
  });

  test('reject a second request → rejected with the reason; approving it afterwards → 412', async () => {
    const code = await api('POST', '/pairing/codes', {});
    const { pairingId } = await beginPairing(code.body.join_string);
    const rejected = await api('POST', `/pairing/requests/${pairingId}/reject`, { reason: 'unknown machine' });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.request.state, 'rejected');
    assert.equal(rejected.body.request.reason, 'unknown machine');
    assert.equal((await api('POST', `/pairing/requests/${pairingId}/approve`, {})).status, 412);
    assert.equal((await api('GET', '/pairing/requests?state=rejected')).body.requests.length, 1);
  });

  test('the client goes away mid-invoke (HTTP/1.1 and HTTP/2) → the task is cancelled and the node told', async () => {
    const waitForCancelled = async (taskId: string) => {
      const deadline = Date.now() + 3_000;
      while (!sink.cancelled.some((entry) => entry.taskId === taskId)) {
        if (Date.now() > deadline) throw new Error(`task ${taskId} was not cancelled on the node`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal((await api('GET', `/nodes/tasks/${taskId}`)).body.task.state, 'cancelled');
    };
    const body = JSON.stringify({ capability: 'echo', input: { text: 'gone' }, timeout_ms: 60_000 });

    const h1Abort = new AbortController();
    const h1 = fetch(`${base}/admin/v1/nodes/${deviceId}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      signal: h1Abort.signal,
    }).catch((error: Error) => error);
    const [h1Task] = (await sink.waitForPushes(sink.pushed.length + 1)).slice(-1);
    h1Abort.abort();
    assert.equal(((await h1) as Error).name, 'AbortError');
    await waitForCancelled(h1Task?.taskId ?? '');

    const session = http2.connect(base);
    try {
      const stream = session.request({ ':method': 'POST', ':path': `/admin/v1/nodes/${deviceId}/invoke`, authorization: `Bearer ${token}`, 'content-type': 'application/json' });
      stream.on('error', () => undefined);
      stream.end(body);
      const [h2Task] = (await sink.waitForPushes(sink.pushed.length + 1)).slice(-1);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await waitForCancelled(h2Task?.taskId ?? '');
    } finally {
      session.close();
    }
  });

  test('revoke → revoked, the task channel closed, the node listed as revoked, invoke refused; revoking again → revoked false', async () => {
    const revoked = await api('POST', `/nodes/${deviceId}/revoke`, { reason: 'decommissioned' });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.device_id, deviceId);
    assert.equal(revoked.body.revoked, true);
    assert.ok(sink.closedWith, 'the task channel was closed');
    const node = (await api('GET', '/nodes')).body.nodes[0];
    assert.equal(node.status, 'revoked');
    assert.equal(node.revoke_reason, 'decommissioned');
    assert.equal((await api('GET', '/nodes?include_revoked=false')).body.nodes.length, 0);
    assert.equal((await api('POST', `/nodes/${deviceId}/invoke`, { capability: 'echo' })).status, 412);
    assert.equal((await api('POST', `/nodes/${deviceId}/revoke`, {})).body.revoked, false);
  });
});
