// Pairing under failure over QUIC, real daemon and real `palyra node pair`: wrong CA pin, replayed code, expired code, brute force.
import assert from 'node:assert/strict';
import { randomBytes, webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Logger, { LogLevel } from '@matrixai/logger';
import { QUICClient } from '@matrixai/quic';
import type { NodeLink } from '../../src/cli/node-host/dial.js';
import { pairNode } from '../../src/cli/node-host/pair.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { pairingCodeKey, pairingProof, parseJoinString } from '../../src/core/devices/pairing-transcript.js';
import { isCoreError } from '../../src/core/errors.js';
import { ClientKind } from '../../src/gen/palyra/node/v1/node.js';
import { loadOrCreateNodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { SERVER_COMMON_NAME } from '../../src/infra/crypto/server-certificate.js';
import { ALPN } from '../../src/transport/quic/quic-listener.js';
import { webRpcStream } from '../../src/transport/quic/rpc-stream.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, removeNodeDir } from '../helpers/node-host.js';

/** The shortest TTL the daemon allows (MIN_CODE_TTL_MS): a real code that really expires. */
const SHORTEST_TTL_SECONDS = 30;
/** Another loopback source address, so the brute-force lockout does not lock out the honest node on 127.0.0.1. */
const ATTACKER_ADDRESS = '127.0.0.2';

interface Code {
  join_string: string;
  code_id: string;
  expires_at_unix_ms: number;
}

describe('pairing failures over QUIC', () => {
  let daemon: TestDaemon;
  let port: number;
  let expiring: Code;
  const dirs: string[] = [];
  const nodeDir = () => {
    const dir = makeNodeDir();
    dirs.push(dir);
    return dir;
  };
  const createCode = async (body: { auto_approve?: boolean; ttl_seconds?: number }): Promise<Code> => {
    const response = await daemon.admin('/admin/v1/pairing/codes', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as Code;
  };
  const requestsFor = async (codeId?: string) => {
    const list = (await (await daemon.admin('/admin/v1/pairing/requests?limit=500')).json()) as { requests: Array<{ code_id: string; device_id: string; state: string }> };
    return codeId ? list.requests.filter((r) => r.code_id === codeId) : list.requests;
  };
  const pair = (joinString: string, transport: 'quic' | 'auto' = 'quic') => pairNode({ joinString, stateDir: nodeDir(), transport, waitMs: 10_000 });
  const refusedWith = (code: string, reason?: string) => (error: unknown) => {
    assert.ok(isCoreError(error), `a CoreError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (reason) assert.equal(error.details.reason, reason, JSON.stringify(error.details));
    return true;
  };

  before(async () => {
    daemon = await startDaemon();
    port = Number((daemon.ready.quic ?? '').split(':').pop());
    // Created first and checked last, so the other tests run while it expires.
    expiring = await createCode({ auto_approve: true, ttl_seconds: SHORTEST_TTL_SECONDS });
  });

  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    for (const dir of dirs) removeNodeDir(dir);
  });

  test('wrong CA pin in the join string → the node refuses the daemon over QUIC and TCP; no pairing request on the daemon', async () => {
    const code = await createCode({ auto_approve: true });
    const join = parseJoinString(code.join_string);
    const wrongPin = randomBytes(32).toString('hex');
    const forged = code.join_string.replace(`:${join.caFingerprint}:`, `:${wrongPin}:`);
    assert.notEqual(forged, code.join_string);
    await assert.rejects(pair(forged, 'auto'), (error: unknown) => refusedWith('unavailable')(error) && /QUIC and TLS/.test((error as Error).message));
    assert.deepEqual(await requestsFor(code.code_id), [], 'nothing reached BeginPairing');
    // The code was neither used nor counted as a miss: the genuine join string still pairs.
    const paired = await pair(code.join_string);
    assert.match(paired.certFingerprint, /^[0-9a-f]{64}$/);
    assert.equal((await requestsFor(code.code_id)).length, 1);
  });

  test('a code used once, then replayed by another node → failed_precondition reason used; one request only', async () => {
    const code = await createCode({ auto_approve: true });
    const first = await pair(code.join_string);
    await assert.rejects(pair(code.join_string), refusedWith('failed_precondition', 'used'));
    const requests = await requestsFor(code.code_id);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.device_id, first.deviceId);
    assert.equal(requests[0]?.state, 'completed');
  });

  test('5 wrong proofs from one peer → that peer locked out with retry-after, and the code burned for a correct proof', async () => {
    const code = await createCode({ auto_approve: true });
    const attacker = await attackerLink(port);
    try {
      const client = new NodeRpcClient(attacker, 5_000);
      const guess = () => beginWithSecret(client, code.join_string, randomBytes(32).toString('base64url'), nodeDir());
      for (let i = 0; i < 5; i += 1) await assert.rejects(guess(), refusedWith('permission_denied'));
      await assert.rejects(guess(), (error: unknown) => {
        refusedWith('resource_exhausted')(error);
        const retryAfterMs = (error as { details: { retryAfterMs?: unknown } }).details.retryAfterMs;
        assert.ok(typeof retryAfterMs === 'number' && retryAfterMs > 0 && retryAfterMs <= 60_000, `retryAfterMs = ${String(retryAfterMs)}`);
        return true;
      });
    } finally {
      await attacker.close();
    }
    // The honest node holds the real secret and comes from another address: not locked out, but the code is gone.
    await assert.rejects(pair(code.join_string), refusedWith('failed_precondition', 'burned'));
    assert.deepEqual(await requestsFor(code.code_id), []);
  });

  test(`a code past its ${SHORTEST_TTL_SECONDS} s TTL → failed_precondition reason expired; no pairing request`, async () => {
    const waitMs = expiring.expires_at_unix_ms + 250 - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    await assert.rejects(pair(expiring.join_string), refusedWith('failed_precondition', 'expired'));
    assert.deepEqual(await requestsFor(expiring.code_id), []);
  });
});

/** BeginPairing with the join string's code id but `secret` (a guess): the proof is well formed and wrong. */
async function beginWithSecret(client: NodeRpcClient, joinString: string, secret: string, stateDir: string): Promise<unknown> {
  const join = parseJoinString(joinString);
  const identity = loadOrCreateNodeIdentity(stateDir);
  const transcript = {
    codeId: join.codeId,
    deviceId: identity.deviceId,
    clientKind: 'node' as const,
    tlsPublicKeySpki: identity.tls.publicKeySpkiDer,
    identityPublicKey: identity.identityPublicKey,
    caFingerprint: join.caFingerprint,
  };
  return client.beginPairing({
    deviceId: { ulid: identity.deviceId },
    clientKind: ClientKind.CLIENT_KIND_NODE,
    codeId: join.codeId,
    codeProof: pairingProof(pairingCodeKey(secret), transcript),
    publicKeySpkiDer: identity.tls.publicKeySpkiDer,
    csrDer: Buffer.alloc(0),
    displayName: 'attacker',
    identityPublicKey: identity.identityPublicKey,
  });
}

/** A QUIC connection from ATTACKER_ADDRESS (the node's dial always uses the default source address). */
async function attackerLink(port: number): Promise<NodeLink> {
  const client = await QUICClient.createQUICClient(
    {
      host: '127.0.0.1',
      port,
      localHost: ATTACKER_ADDRESS,
      serverName: SERVER_COMMON_NAME,
      crypto: { ops: { randomBytes: async (data: ArrayBuffer) => void webcrypto.getRandomValues(new Uint8Array(data)) } },
      config: { verifyPeer: false, applicationProtos: [ALPN], enableEarlyData: false, initialMaxStreamsUni: 0 },
      logger: new Logger('attacker', LogLevel.ERROR),
    },
    { timer: 5_000 },
  );
  return {
    kind: 'quic',
    openStream: async () => webRpcStream(client.connection.newStream('bidi')),
    closed: new Promise<void>(() => undefined),
    close: async () => {
      await Promise.race([client.destroy({ isApp: true, errorCode: 0, force: true }).catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())]);
    },
  };
}
