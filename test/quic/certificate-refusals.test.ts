// Issue 10 item 5: each refused client certificate gets the TLS alert docs/node-rpc.md §8.5 names, on QUIC (alert) and TCP (error frame reason) alike, pairing methods included.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { pairingCodeKey, pairingProof, parseJoinString } from '../../src/core/devices/pairing-transcript.js';
import { isCoreError } from '../../src/core/errors.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { ClientKind, PairingStatus } from '../../src/gen/palyra/node/v1/node.js';
import { loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { loadOrCreateNodeIdentity, type NodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { x509 } from '../../src/infra/crypto/x509.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { craftDeviceCertificate, mismatchedKeyPem } from '../helpers/device-certs.js';
import { createJoinString, makeNodeDir, pairWithDaemon, removeNodeDir } from '../helpers/node-host.js';

type Credentials = { privateKeyPem: string; certificatePem: string };

describe('client certificate refusals, per transport', () => {
  let daemon: TestDaemon;
  let port: number;
  let caFingerprint: string;
  let node: NodeIdentity;
  let revoked: NodeIdentity;
  const dirs: string[] = [];
  const links: NodeLink[] = [];
  const newDir = () => {
    const dir = makeNodeDir();
    dirs.push(dir);
    return dir;
  };
  const credentials = (identity: NodeIdentity, certificatePem = identity.tls.certificatePem ?? ''): Credentials => ({ privateKeyPem: identity.tls.privateKeyPem, certificatePem });
  const connect = async (transport: 'quic' | 'tcp', clientCertificate: Credentials | null) => {
    const link = await dial({ host: '127.0.0.1', port, caFingerprint, clientCertificate, transport });
    links.push(link);
    return link;
  };
  const heartbeat = (link: NodeLink, identity: NodeIdentity) => new NodeRpcClient(link, 5_000).heartbeat({ deviceId: { ulid: identity.deviceId }, sentAtUnixMs: Date.now(), runningTasks: 0 });
  /** BeginPairing for a fresh identity with a fresh code (auto-approve). */
  const beginPairing = async (link: NodeLink) => {
    const join = parseJoinString(await createJoinString(daemon, { auto_approve: true }));
    const identity = loadOrCreateNodeIdentity(newDir());
    const transcript = { codeId: join.codeId, deviceId: identity.deviceId, clientKind: 'node' as const, tlsPublicKeySpki: identity.tls.publicKeySpkiDer, identityPublicKey: identity.identityPublicKey, caFingerprint: join.caFingerprint };
    return new NodeRpcClient(link, 5_000).beginPairing({
      deviceId: { ulid: identity.deviceId },
      clientKind: ClientKind.CLIENT_KIND_NODE,
      codeId: join.codeId,
      codeProof: pairingProof(pairingCodeKey(join.secret), transcript),
      publicKeySpkiDer: identity.tls.publicKeySpkiDer,
      csrDer: Buffer.alloc(0),
      displayName: 'refusal test',
      identityPublicKey: identity.identityPublicKey,
    });
  };
  const refusedWith = (code: string, reason: string) => (error: unknown) => {
    assert.ok(isCoreError(error), `a CoreError, got ${String(error)}`);
    assert.deepEqual({ code: error.code, reason: error.details.reason }, { code, reason }, error.message);
    return true;
  };

  before(async () => {
    daemon = await startDaemon();
    port = Number((daemon.ready.quic ?? '').split(':').pop());
    const paired = newDir();
    await pairWithDaemon(daemon, paired);
    caFingerprint = loadDaemonPin(paired).caFingerprint;
    node = loadOrCreateNodeIdentity(paired);
    const gone = newDir();
    const { deviceId } = await pairWithDaemon(daemon, gone);
    revoked = loadOrCreateNodeIdentity(gone);
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/revoke`, { method: 'POST', body: JSON.stringify({ reason: 'test' }) });
    assert.equal(response.status, 200);
  });

  after(async () => {
    await Promise.all(links.map((link) => link.close()));
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    for (const dir of dirs) removeNodeDir(dir);
  });

  const cases: Array<{ name: string; code: string; reason: string; credentials: () => Promise<Credentials> }> = [
    {
      name: 'a certificate from a foreign CA',
      code: 'unauthenticated',
      reason: 'unknown_ca',
      credentials: async () => {
        const foreign = await loadOrCreateDaemonCa(newDir());
        return credentials(node, (await foreign.issueDeviceCertificate({ deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, validityMs: 3_600_000, nowMs: Date.now() })).certificatePem);
      },
    },
    {
      name: 'a certificate naming our CA but signed with another key',
      code: 'unauthenticated',
      reason: 'decrypt_error',
      credentials: async () => credentials(node, await craftDeviceCertificate({ caStateDir: daemon.stateDir, deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, stranger: true })),
    },
    {
      name: 'an expired certificate from our CA',
      code: 'unauthenticated',
      reason: 'certificate_expired',
      credentials: async () => {
        const ca = await loadOrCreateDaemonCa(daemon.stateDir);
        return credentials(node, (await ca.issueDeviceCertificate({ deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, validityMs: 60_000, nowMs: Date.now() - 3_600_000 })).certificatePem);
      },
    },
    {
      name: 'a serverAuth-only certificate from our CA',
      code: 'unauthenticated',
      reason: 'unsupported_certificate',
      credentials: async () => credentials(node, await craftDeviceCertificate({ caStateDir: daemon.stateDir, deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, eku: x509.ExtendedKeyUsage.serverAuth })),
    },
    {
      name: 'a valid certificate from our CA that this daemon never recorded',
      code: 'unauthenticated',
      reason: 'bad_certificate',
      credentials: async () => credentials(node, await craftDeviceCertificate({ caStateDir: daemon.stateDir, deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer })),
    },
    { name: 'a revoked device’s certificate', code: 'permission_denied', reason: 'certificate_revoked', credentials: async () => credentials(revoked) },
  ];

  for (const transport of ['quic', 'tcp'] as const) {
    for (const refusal of cases) {
      test(`${transport}: ${refusal.name} → ${refusal.code}, reason ${refusal.reason} on the first call`, async () => {
        await assert.rejects(heartbeat(await connect(transport, await refusal.credentials()), node), refusedWith(refusal.code, refusal.reason));
      });
    }

    test(`${transport}: ${cases[0]?.name} presented to BeginPairing → refused the same way, not ignored`, async () => {
      const foreign = await (cases[0] as (typeof cases)[number]).credentials();
      await assert.rejects(beginPairing(await connect(transport, foreign)), refusedWith('unauthenticated', 'unknown_ca'));
    });

    test(`${transport}: a valid paired certificate presented to BeginPairing → the call is served`, async () => {
      const begun = await beginPairing(await connect(transport, credentials(node)));
      assert.equal(begun.status, PairingStatus.PAIRING_STATUS_APPROVED);
    });
  }

  test('tcp: a certificate whose CertificateVerify is signed by another key → decrypt_error (the TLS stack refuses it)', async () => {
    const wrongKey = { privateKeyPem: mismatchedKeyPem(node.tls.privateKeyPem), certificatePem: node.tls.certificatePem ?? '' };
    await assert.rejects(heartbeat(await connect('tcp', wrongKey), node), refusedWith('unauthenticated', 'decrypt_error'));
  });
});
