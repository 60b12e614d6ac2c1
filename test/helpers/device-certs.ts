// Device certificates no honest daemon issues, for refusal tests: signed by the daemon CA with the wrong EKU, or carrying its name with another key's signature; and a key that does not match its certificate.
import { createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_CERT_FILE, CA_DIR, CA_KEY_FILE, randomSerialHex } from '../../src/infra/crypto/daemon-ca.js';
import { x509 } from '../../src/infra/crypto/x509.js';

const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface CraftOptions {
  /** The daemon state dir whose CA names (and, unless `stranger`, signs) the certificate. */
  caStateDir: string;
  deviceId: string;
  publicKeySpkiDer: Uint8Array;
  /** Extended key usage OID; default clientAuth. */
  eku?: string;
  /** Sign with a fresh key instead of the CA's: the issuer name is ours, the signature is not. */
  stranger?: boolean;
}

/** A device certificate shaped like the daemon's own (CN, URI SAN, AKI), valid for an hour; PEM. */
export async function craftDeviceCertificate(options: CraftOptions): Promise<string> {
  const caDir = join(options.caStateDir, CA_DIR);
  const ca = new x509.X509Certificate(readFileSync(join(caDir, CA_CERT_FILE), 'utf8'));
  const caKeyDer = createPrivateKey(readFileSync(join(caDir, CA_KEY_FILE), 'utf8')).export({ format: 'der', type: 'pkcs8' });
  const signingKey = options.stranger
    ? (await webcrypto.subtle.generateKey(P256, false, ['sign', 'verify'])).privateKey
    : await webcrypto.subtle.importKey('pkcs8', caKeyDer, P256, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', options.publicKeySpkiDer, P256, true, ['verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: `CN=${options.deviceId}, O=Palyra`,
    issuer: ca.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    signingAlgorithm: P256,
    publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([options.eku ?? x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:palyra:device:${options.deviceId}` }], false),
      await x509.AuthorityKeyIdentifierExtension.create(await ca.publicKey.export()),
    ],
  });
  return cert.toString('pem');
}

/**
 * A P-256 private key (SEC1 PEM) whose embedded public key is the certificate key's but whose secret
 * is another key's. OpenSSL loads it and the key matches the certificate, yet its CertificateVerify
 * signature does not verify: the TLS "wrong key" case. (BoringSSL, under QUIC, refuses to load it.)
 */
export function mismatchedKeyPem(certificateKeyPem: string): string {
  const real = createPrivateKey(certificateKeyPem).export({ format: 'der', type: 'sec1' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'sec1' });
  // Both are ECPrivateKey structures ending in the 65-byte uncompressed public point.
  const mixed = Buffer.concat([other.subarray(0, other.length - 65), real.subarray(real.length - 65)]);
  return `-----BEGIN EC PRIVATE KEY-----\n${mixed.toString('base64')}\n-----END EC PRIVATE KEY-----\n`;
}
