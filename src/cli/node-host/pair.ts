// `palyra node pair`: prove the join string's code over a CA-pinned connection, wait for approval, keep the certificate.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { pairingCodeKey, pairingProof, parseJoinString } from '../../core/devices/pairing-transcript.js';
import { CoreError } from '../../core/errors.js';
import { ClientKind, PairingStatus } from '../../gen/palyra/node/v1/node.js';
import { createTlsCsr, loadOrCreateNodeIdentity, saveTlsCredentials, signPairingStatus } from '../../infra/crypto/node-identity.js';
import { saveDaemonPin } from './daemon-pin.js';
import { dial, type TransportChoice } from './dial.js';
import { NodeRpcClient } from './rpc-client.js';

export interface PairOptions {
  joinString: string;
  stateDir: string;
  displayName?: string;
  transport?: TransportChoice;
  /** How long to wait for an operator. Default 15 min (the daemon's request window). */
  waitMs?: number;
  /** Progress lines (the request sent, the identity fingerprint to compare). */
  log?: (line: string) => void;
  /** Called once the request is sent, before waiting for an operator's decision. */
  onWaiting?: (pairingId: string) => void;
}

export interface PairOutcome {
  deviceId: string;
  identityFingerprint: string;
  certFingerprint: string;
  certNotAfterMs: number;
  daemon: string;
}

/**
 * Pairs this node. The daemon is pinned by the CA fingerprint in the join string before anything is
 * sent; the private keys never leave the state dir. @throws CoreError `permission_denied` (rejected,
 * wrong code), `failed_precondition` (expired/used code), `deadline_exceeded` (nobody decided in time).
 */
export async function pairNode(options: PairOptions): Promise<PairOutcome> {
  const log = options.log ?? (() => undefined);
  const join = parseJoinString(options.joinString);
  const identity = loadOrCreateNodeIdentity(options.stateDir);
  const identityFingerprint = createHash('sha256').update(identity.identityPublicKey).digest('hex');
  const link = await dial({ host: join.host, port: join.port, caFingerprint: join.caFingerprint, clientCertificate: null, transport: options.transport ?? 'auto' });
  const client = new NodeRpcClient(link);
  try {
    const transcript = {
      codeId: join.codeId,
      deviceId: identity.deviceId,
      clientKind: 'node' as const,
      tlsPublicKeySpki: identity.tls.publicKeySpkiDer,
      identityPublicKey: identity.identityPublicKey,
      caFingerprint: join.caFingerprint,
    };
    const begun = await client.beginPairing({
      deviceId: { ulid: identity.deviceId },
      clientKind: ClientKind.CLIENT_KIND_NODE,
      codeId: join.codeId,
      codeProof: pairingProof(pairingCodeKey(join.secret), transcript),
      publicKeySpkiDer: identity.tls.publicKeySpkiDer,
      csrDer: await createTlsCsr(identity.tls.privateKeyPem, identity.deviceId),
      displayName: options.displayName ?? hostname().slice(0, 128),
      identityPublicKey: identity.identityPublicKey,
    });
    const pairingId = begun.pairingId?.ulid ?? '';
    log(`pairing request ${pairingId} sent over ${link.kind}; device ${identity.deviceId}`);
    log(`identity fingerprint ${identityFingerprint}: the operator should see the same before approving`);
    options.onWaiting?.(pairingId);
    const deadline = Date.now() + (options.waitMs ?? 15 * 60_000);
    const pollMs = Math.max(200, begun.pollIntervalMs || 1_000);
    for (;;) {
      const status = await client.getPairingStatus({ pairingId: { ulid: pairingId }, deviceId: { ulid: identity.deviceId }, identitySignature: signPairingStatus(identity, pairingId) });
      if (status.status === PairingStatus.PAIRING_STATUS_COMPLETED && status.certificatePem) {
        saveTlsCredentials(options.stateDir, { privateKeyPem: identity.tls.privateKeyPem, certificatePem: status.certificatePem, caChainPem: status.caChainPem });
        saveDaemonPin(options.stateDir, { host: join.host, port: join.port, caFingerprint: join.caFingerprint });
        return { deviceId: identity.deviceId, identityFingerprint, certFingerprint: status.certFingerprintSha256, certNotAfterMs: status.certExpiresAtUnixMs, daemon: join.address };
      }
      if (status.status === PairingStatus.PAIRING_STATUS_REJECTED) throw new CoreError('permission_denied', `pairing was rejected${status.reason ? `: ${status.reason}` : ''}`);
      if (status.status === PairingStatus.PAIRING_STATUS_EXPIRED) throw new CoreError('failed_precondition', 'pairing request expired before an operator approved it');
      if (Date.now() > deadline) throw new CoreError('deadline_exceeded', 'no operator decided the pairing request in time');
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    await link.close();
  }
}
