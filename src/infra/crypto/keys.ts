// Key material for certificates: ECDSA P-256 key pairs, PEM/DER export and import, SPKI checks.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';
import { CoreError } from '../../core/errors.js';

type WebCryptoKey = webcrypto.CryptoKey;

/** The WebCrypto algorithm of every key our CA signs with or certifies. */
export const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface P256KeyMaterial {
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`). */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo DER. */
  publicKeySpkiDer: Buffer;
}

/** A fresh P-256 key pair as PKCS#8 PEM + SPKI DER. */
export function generateP256Key(): P256KeyMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeySpkiDer: publicKey.export({ format: 'der', type: 'spki' }),
  };
}

/** The PKCS#8 PEM key as a WebCrypto signing key (what @peculiar/x509 signs with). */
export async function importSigningKey(privateKeyPem: string): Promise<WebCryptoKey> {
  const der = createPrivateKey(privateKeyPem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, P256, false, ['sign']);
}

/** A WebCrypto key pair for a PKCS#8 PEM key (CSR signing needs both halves). */
export async function importKeyPair(privateKeyPem: string): Promise<{ privateKey: WebCryptoKey; publicKey: WebCryptoKey }> {
  const privateKey = createPrivateKey(privateKeyPem);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), P256, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, P256, true, ['verify']),
  };
}

/** SPKI DER of the public half of a private key. */
export function publicSpkiOf(privateKey: string | KeyObject): Buffer {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
}

/**
 * Parses SPKI DER and requires an ECDSA P-256 key.
 * @throws CoreError `invalid_argument`.
 */
export function requireP256Spki(spkiDer: Uint8Array, field = 'public_key_spki_der'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  } catch (error) {
    throw new CoreError('invalid_argument', `${field} is not a DER SubjectPublicKeyInfo`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CoreError('invalid_argument', `${field} must be an ECDSA P-256 key`);
  }
  return key;
}

/** The key as WebCrypto public key (for @peculiar/x509's `publicKey` parameter). */
export async function importP256PublicKey(spkiDer: Uint8Array): Promise<WebCryptoKey> {
  return webcrypto.subtle.importKey('spki', Buffer.from(spkiDer), P256, true, ['verify']);
}
