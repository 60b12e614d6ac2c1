// The node's own keys, kept in its state dir (0700, files 0600) and never sent anywhere: a ULID
// device id, an Ed25519 identity key and a P-256 TLS key with the certificate the daemon issued for it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairingStatusMessage } from '../../core/devices/pairing-transcript.js';
import { CoreError } from '../../core/errors.js';
import { isCanonicalId, newId } from '../../core/ids.js';
import { pemToDerList } from './fingerprint.js';
import { ECDSA_SHA256, generateP256Key, importKeyPair, publicSpkiOf } from './keys.js';
import { ensurePrivateDir, isExposed, writePrivateFile } from './private-files.js';
import { x509 } from './x509.js';

export const DEVICE_ID_FILE = 'device-id';
export const IDENTITY_KEY_FILE = 'identity.key.pem';
/** The TLS private key, then (once paired) the device certificate and the CA chain, in one file. */
export const TLS_CREDENTIALS_FILE = 'tls.pem';

export interface NodeTlsCredentials {
  privateKeyPem: string;
  publicKeySpkiDer: Buffer;
  /** Null until pairing completes. */
  certificatePem: string | null;
  caChainPem: string[];
}

export interface NodeIdentity {
  dir: string;
  deviceId: string;
  /** Ed25519 public key, 32 raw bytes: what the pairing transcript carries. */
  identityPublicKey: Buffer;
  identityPrivateKey: KeyObject;
  tls: NodeTlsCredentials;
}

/**
 * Loads the node identity from `dir`, creating whatever is missing: device id, identity key, TLS key.
 * Key files readable by group/others are tightened to 0600. Once created, the device id and identity
 * key never change (the daemon binds them at pairing).
 */
export function loadOrCreateNodeIdentity(dir: string): NodeIdentity {
  ensurePrivateDir(dir);
  const idPath = join(dir, DEVICE_ID_FILE);
  if (!existsSync(idPath)) writePrivateFile(idPath, `${newId()}\n`);
  const deviceId = readFileSync(idPath, 'utf8').trim();
  if (!isCanonicalId(deviceId)) throw new CoreError('failed_precondition', `${idPath} does not hold a canonical ULID`);

  const keyPath = join(dir, IDENTITY_KEY_FILE);
  if (!existsSync(keyPath)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writePrivateFile(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  }
  tighten(keyPath);
  const identityPrivateKey = createPrivateKey(readFileSync(keyPath, 'utf8'));
  if (identityPrivateKey.asymmetricKeyType !== 'ed25519') throw new CoreError('failed_precondition', `${keyPath} is not an Ed25519 key`);
  const identityPublicKey = createPublicKey(identityPrivateKey).export({ format: 'der', type: 'spki' }).subarray(-32);

  const tlsPath = join(dir, TLS_CREDENTIALS_FILE);
  if (!existsSync(tlsPath)) writePrivateFile(tlsPath, generateP256Key().privateKeyPem);
  tighten(tlsPath);
  return { dir, deviceId, identityPublicKey: Buffer.from(identityPublicKey), identityPrivateKey, tls: readTlsCredentials(tlsPath) };
}

/** A fresh TLS key for certificate renewal; store it with `saveTlsCredentials` once its certificate arrives. */
export { generateP256Key as generateTlsKey } from './keys.js';

/** Replaces the TLS key, certificate and CA chain in one atomic write. */
export function saveTlsCredentials(dir: string, credentials: { privateKeyPem: string; certificatePem: string; caChainPem: readonly string[] }): NodeTlsCredentials {
  const text = [credentials.privateKeyPem, credentials.certificatePem, ...credentials.caChainPem].map((pem) => pem.trim()).join('\n');
  const path = join(dir, TLS_CREDENTIALS_FILE);
  writePrivateFile(path, `${text}\n`);
  return readTlsCredentials(path);
}

/** PKCS#10 request for the TLS key (CN = device id), signed by that key: proof of possession. */
export async function createTlsCsr(privateKeyPem: string, deviceId: string): Promise<Buffer> {
  const keys = await importKeyPair(privateKeyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${deviceId}`, keys, signingAlgorithm: ECDSA_SHA256 });
  return Buffer.from(csr.rawData);
}

/** The signature that authorises `GetPairingStatus` for this node's pairing request. */
export function signPairingStatus(identity: Pick<NodeIdentity, 'identityPrivateKey' | 'deviceId'>, pairingId: string): Buffer {
  return sign(null, pairingStatusMessage(pairingId, identity.deviceId), identity.identityPrivateKey);
}

function readTlsCredentials(path: string): NodeTlsCredentials {
  const text = readFileSync(path, 'utf8');
  const keyBlock = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(text)?.[0];
  if (!keyBlock) throw new CoreError('failed_precondition', `${path} holds no private key`);
  const certs = pemToDerList(text, 'CERTIFICATE').map((der) => new x509.X509Certificate(der).toString('pem'));
  return {
    privateKeyPem: `${keyBlock}\n`,
    publicKeySpkiDer: publicSpkiOf(keyBlock),
    certificatePem: certs[0] ? `${certs[0]}\n` : null,
    caChainPem: certs.slice(1).map((pem) => `${pem}\n`),
  };
}

function tighten(path: string): void {
  if (isExposed(path)) writePrivateFile(path, readFileSync(path));
}
