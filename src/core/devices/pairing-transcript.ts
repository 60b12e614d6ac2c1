// The pairing wire contract shared by daemon and node: join string, transcript, code proof and the
// identity signature that lets only the requesting node poll its pairing status.
import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import { CoreError } from '../errors.js';
import { isCanonicalId } from '../ids.js';

/** Kinds of client that pair; only `node` is served today, the others are reserved by the proto. */
export type ClientKind = 'node' | 'cli' | 'desktop';
export const CLIENT_KINDS: readonly ClientKind[] = ['node', 'cli', 'desktop'];

export const JOIN_STRING_PREFIX = 'palyra-pair:v1:';
const PAIRING_DOMAIN = 'palyra-pairing-v1';
const CODE_KEY_DOMAIN = 'palyra-pairing-code-key-v1';
const STATUS_DOMAIN = 'palyra-pairing-status-v1';
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const FINGERPRINT_PATTERN = /^[0-9a-f]{64}$/;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Everything a join string carries. */
export interface JoinString {
  /** `host:port` (IPv6 hosts in brackets), as a node dials it. */
  address: string;
  host: string;
  port: number;
  /** Public handle of the code (a ULID). */
  codeId: string;
  /** 32 random bytes, base64url without padding (43 characters). Never sent over the wire. */
  secret: string;
  /** Lower-case hex SHA-256 of the daemon CA certificate DER; the node pins the daemon by it. */
  caFingerprint: string;
}

/**
 * `palyra-pair:v1:<codeId>:<secret>:<caFingerprint>:<host>:<port>`. The address comes last so an
 * IPv6 host (`[::1]:7444`) needs no escaping; every other field is colon-free by construction.
 */
export function formatJoinString(join: Omit<JoinString, 'host' | 'port'>): string {
  return `${JOIN_STRING_PREFIX}${join.codeId}:${join.secret}:${join.caFingerprint}:${join.address}`;
}

/** @throws CoreError `invalid_argument` naming the part that is wrong. */
export function parseJoinString(text: string): JoinString {
  const trimmed = text.trim();
  if (!trimmed.startsWith(JOIN_STRING_PREFIX)) throw badJoin(`must start with ${JOIN_STRING_PREFIX}`);
  const parts = trimmed.slice(JOIN_STRING_PREFIX.length).split(':');
  const [codeId, secret, caFingerprint] = parts;
  const address = parts.slice(3).join(':');
  if (!isCanonicalId(codeId)) throw badJoin('the code id is not a ULID');
  if (!secret || !isCodeSecret(secret)) throw badJoin('the code secret is not 43 base64url characters');
  if (!caFingerprint || !FINGERPRINT_PATTERN.test(caFingerprint)) throw badJoin('the CA fingerprint is not 64 lower-case hex digits');
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65_535) throw badJoin('the address must be host:port (IPv6 as [addr]:port)');
  return { address, host: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1'), port, codeId, secret, caFingerprint };
}

/** What the code proof covers: who is pairing, with which keys, against which daemon. */
export interface PairingTranscriptInput {
  codeId: string;
  deviceId: string;
  clientKind: ClientKind;
  /** The TLS key to be certified, SPKI DER. */
  tlsPublicKeySpki: Uint8Array;
  /** The node's Ed25519 identity key, 32 raw bytes. */
  identityPublicKey: Uint8Array;
  caFingerprint: string;
}

/**
 * The canonical transcript: the domain tag `palyra-pairing-v1` and then code id, device id, client
 * kind, TLS SPKI, identity key and CA fingerprint (ASCII hex), each as a 4-byte big-endian length
 * followed by its bytes, so no two inputs serialise alike.
 */
export function pairingTranscript(input: PairingTranscriptInput): Buffer {
  return lengthPrefixed([
    PAIRING_DOMAIN,
    input.codeId,
    input.deviceId,
    input.clientKind,
    input.tlsPublicKeySpki,
    input.identityPublicKey,
    input.caFingerprint,
  ]);
}

/**
 * The HMAC key derived from a code secret: HMAC-SHA256(key = the 32 bytes the secret's base64url text
 * decodes to, `palyra-pairing-code-key-v1`), as docs/node-rpc.md §2.2 says (issue 10: the text itself
 * was the key, so a node built from the doc failed). The daemon stores only this (never the secret);
 * it verifies proofs but cannot rebuild the join string. @throws CoreError `invalid_argument` when the
 * secret is not 32 bytes.
 */
export function pairingCodeKey(secret: string): Buffer {
  if (!isCodeSecret(secret)) throw badJoin('the code secret is not 43 base64url characters');
  return createHmac('sha256', Buffer.from(secret, 'base64url')).update(CODE_KEY_DOMAIN).digest();
}

/** 43 base64url characters that are the canonical encoding of 32 bytes (the unused low bits zero). */
function isCodeSecret(text: string): boolean {
  return SECRET_PATTERN.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}

/** proof = HMAC-SHA256(key = pairingCodeKey(secret), message = pairingTranscript(input)); 32 bytes. */
export function pairingProof(codeKey: Uint8Array, input: PairingTranscriptInput): Buffer {
  return createHmac('sha256', codeKey).update(pairingTranscript(input)).digest();
}

/** Constant-time proof check (a length mismatch is a mismatch). */
export function proofMatches(expected: Uint8Array, presented: Uint8Array): boolean {
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/** What a node signs with its identity key to poll its pairing status. */
export function pairingStatusMessage(pairingId: string, deviceId: string): Buffer {
  return lengthPrefixed([STATUS_DOMAIN, pairingId, deviceId]);
}

/** The Ed25519 identity key from its 32 raw bytes. @throws CoreError `invalid_argument`. */
export function identityKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new CoreError('invalid_argument', 'identity_public_key must be 32 bytes (raw Ed25519)');
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch (error) {
    throw new CoreError('invalid_argument', 'identity_public_key is not an Ed25519 public key', { cause: error });
  }
}

/** Whether `signature` is the identity key's Ed25519 signature over `message`. */
export function identitySignatureValid(identityPublicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verifySignature(null, message, identityKeyFromRaw(identityPublicKey), signature);
  } catch {
    return false;
  }
}

function lengthPrefixed(fields: ReadonlyArray<string | Uint8Array>): Buffer {
  const chunks: Buffer[] = [];
  for (const field of fields) {
    const bytes = typeof field === 'string' ? Buffer.from(field, 'utf8') : Buffer.from(field);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}

function badJoin(reason: string): CoreError {
  return new CoreError('invalid_argument', `join string is malformed: ${reason}`);
}
