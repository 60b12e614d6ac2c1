// What pairing calls return: the node's results and the operator's view of a request.
import { createHash } from 'node:crypto';
import type { ClientKind } from './pairing-transcript.js';
import type { PairingRequestRecord, PairingState } from './store.js';

export interface CreatedPairingCode {
  codeId: string;
  /** Hand this to the node (`palyra node pair <join string>`); it is shown once and never stored. */
  joinString: string;
  expiresAtMs: number;
  caFingerprint: string;
  autoApprove: boolean;
}

/** What the node learns after BeginPairing (BeginPairingResponse). */
export interface BeginPairingResult {
  pairingId: string;
  status: PairingState;
  expiresAtMs: number;
  pollIntervalMs: number;
  caFingerprint: string;
}

/** GetPairingStatusResponse. The certificate fields are set once the request is approved. */
export interface PairingStatusResult {
  pairingId: string;
  status: PairingState;
  reason: string;
  certificatePem: string | null;
  caChainPem: string[];
  certNotAfterMs: number | null;
  certFingerprint: string | null;
}

/** A pairing request as operators see it. */
export interface PairingRequestView {
  pairingId: string;
  codeId: string;
  deviceId: string;
  clientKind: ClientKind;
  displayName: string;
  /** Hex SHA-256 of the raw Ed25519 identity key: compare with what `palyra node pair` prints. */
  identityFingerprint: string;
  /** Hex SHA-256 of the TLS key's SPKI. */
  keyFingerprint: string;
  transcriptSha256: string;
  peer: string;
  state: PairingState;
  requestedAtMs: number;
  expiresAtMs: number;
  decidedBy: string | null;
  decidedAtMs: number | null;
  reason: string | null;
  certFingerprint: string | null;
  certNotAfterMs: number | null;
}

/** The operator's view: key fingerprints instead of key bytes. */
export function toView(request: PairingRequestRecord): PairingRequestView {
  return {
    pairingId: request.pairingId,
    codeId: request.codeId,
    deviceId: request.deviceId,
    clientKind: request.clientKind,
    displayName: request.displayName,
    identityFingerprint: sha256Hex(request.identityPublicKey),
    keyFingerprint: sha256Hex(request.tlsPublicKeySpki),
    transcriptSha256: request.transcriptSha256,
    peer: request.peer,
    state: request.state,
    requestedAtMs: request.requestedAtMs,
    expiresAtMs: request.expiresAtMs,
    decidedBy: request.decidedBy,
    decidedAtMs: request.decidedAtMs,
    reason: request.reason,
    certFingerprint: request.certFingerprint,
    certNotAfterMs: request.certNotAfterMs,
  };
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
