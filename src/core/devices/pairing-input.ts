// BeginPairing input and its validation (shapes only; code and proof checks live in PairingService).
import { CoreError } from '../errors.js';
import { requireCanonicalId } from '../ids.js';
import { CLIENT_KINDS, type ClientKind, identityKeyFromRaw } from './pairing-transcript.js';

const DISPLAY_NAME_MAX = 128;

export interface BeginPairingInput {
  deviceId: string;
  clientKind?: ClientKind;
  codeId: string;
  /** HMAC-SHA256 over the pairing transcript keyed with the code key (`pairingProof`). */
  proof: Uint8Array;
  /** The node's TLS key, SPKI DER (P-256). */
  tlsPublicKeySpki: Uint8Array;
  /** Optional PKCS#10 request signed by the TLS key. */
  csrDer?: Uint8Array;
  /** The node's Ed25519 identity key, 32 raw bytes. */
  identityPublicKey: Uint8Array;
  displayName?: string;
  /** The peer's IP address (no port): the key of the per-peer miss limit. */
  peer: string;
}

/** @throws CoreError `invalid_argument` naming the first bad field. */
export function checkBeginInput(input: BeginPairingInput) {
  const deviceId = requireCanonicalId(input.deviceId, 'device_id');
  const codeId = requireCanonicalId(input.codeId, 'code_id');
  const clientKind = input.clientKind ?? 'node';
  if (!CLIENT_KINDS.includes(clientKind)) throw new CoreError('invalid_argument', `client_kind must be one of ${CLIENT_KINDS.join('|')}`);
  if (!(input.proof instanceof Uint8Array) || input.proof.length !== 32) throw new CoreError('invalid_argument', 'code_proof must be 32 bytes (HMAC-SHA256)');
  if (!(input.tlsPublicKeySpki instanceof Uint8Array) || input.tlsPublicKeySpki.length === 0) throw new CoreError('invalid_argument', 'public_key_spki_der is required');
  identityKeyFromRaw(input.identityPublicKey);
  const displayName = (input.displayName ?? '').trim();
  if (displayName.length > DISPLAY_NAME_MAX || /[\u0000-\u001f]/.test(displayName)) {
    throw new CoreError('invalid_argument', `display_name must be at most ${DISPLAY_NAME_MAX} printable characters`);
  }
  if (typeof input.peer !== 'string' || input.peer.length === 0) throw new CoreError('invalid_argument', 'peer address is required');
  return {
    deviceId,
    codeId,
    clientKind,
    displayName,
    proof: input.proof,
    tlsPublicKeySpki: input.tlsPublicKeySpki,
    identityPublicKey: input.identityPublicKey,
    ...(input.csrDer && input.csrDer.length > 0 ? { csrDer: input.csrDer } : {}),
  };
}
