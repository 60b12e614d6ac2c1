// Issue 10 item 5: a node that computes the pairing proof from docs/node-rpc.md §2.2–2.3 alone (node:crypto, none of our helpers) pairs over QUIC.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dial } from '../../src/cli/node-host/dial.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { pairingCodeKey } from '../../src/core/devices/pairing-transcript.js';
import { ClientKind, PairingStatus } from '../../src/gen/palyra/node/v1/node.js';
import { loadOrCreateNodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { createJoinString, makeNodeDir, removeNodeDir } from '../helpers/node-host.js';

/** The test vector of docs/node-rpc.md §2.2: the secret encoding bytes 0x00…0x1f, and its K. */
const VECTOR = {
  secret: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  codeKeyHex: '01e44b82a79142bcbe2547ff8c26104bd20bb120f403022c16ea0c726f4811c5',
};

/** LP(x) = uint32_be(len(x)) ‖ x, as the doc writes it. */
const lp = (field: string | Uint8Array) => {
  const bytes = typeof field === 'string' ? Buffer.from(field, 'utf8') : Buffer.from(field);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

describe('the pairing proof as docs/node-rpc.md specifies it', () => {
  let daemon: TestDaemon;
  let dir: string;

  before(async () => {
    daemon = await startDaemon();
    dir = makeNodeDir();
  });

  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeNodeDir(dir);
  });

  test('K is keyed with the 32 decoded secret bytes, not the 43-character text (the doc vector)', () => {
    const decoded = Buffer.from(VECTOR.secret, 'base64url');
    assert.equal(decoded.length, 32);
    assert.equal(createHmac('sha256', decoded).update('palyra-pairing-code-key-v1').digest('hex'), VECTOR.codeKeyHex);
    assert.equal(pairingCodeKey(VECTOR.secret).toString('hex'), VECTOR.codeKeyHex);
  });

  test('BeginPairing with a proof built from the doc → accepted (pending approval), not "proof does not match"', async () => {
    const joinString = await createJoinString(daemon);
    // palyra-pair:v1:<code_id>:<secret>:<ca_fingerprint>:<host>:<port>
    const [codeId = '', secret = '', caFingerprint = '', ...address] = joinString.slice('palyra-pair:v1:'.length).split(':');
    const port = Number(address.pop());
    const identity = loadOrCreateNodeIdentity(dir);
    const codeKey = createHmac('sha256', Buffer.from(secret, 'base64url')).update('palyra-pairing-code-key-v1').digest();
    const transcript = Buffer.concat([
      lp('palyra-pairing-v1'),
      lp(codeId),
      lp(identity.deviceId),
      lp('node'),
      lp(identity.tls.publicKeySpkiDer),
      lp(identity.identityPublicKey),
      lp(caFingerprint),
    ]);
    const link = await dial({ host: '127.0.0.1', port, caFingerprint, clientCertificate: null, transport: 'quic' });
    try {
      const begun = await new NodeRpcClient(link).beginPairing({
        deviceId: { ulid: identity.deviceId },
        clientKind: ClientKind.CLIENT_KIND_NODE,
        codeId,
        codeProof: createHmac('sha256', codeKey).update(transcript).digest(),
        publicKeySpkiDer: identity.tls.publicKeySpkiDer,
        csrDer: Buffer.alloc(0),
        displayName: 'doc-built node',
        identityPublicKey: identity.identityPublicKey,
      });
      assert.equal(begun.status, PairingStatus.PAIRING_STATUS_PENDING_APPROVAL);
      assert.equal(begun.caFingerprintSha256, caFingerprint);
    } finally {
      await link.close();
    }
  });
});
