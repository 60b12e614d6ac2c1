// The daemon's own CA (ECDSA P-256): created once under <state>/ca/ (key 0600, dir 0700) and reused.
import { X509Certificate as NativeCertificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CertificateAuthority,
  DeviceCertificateRequest,
  IssuedDeviceCertificate,
  VerifiedDeviceCertificate,
} from '../../core/devices/certificate-authority.js';
import { CoreError } from '../../core/errors.js';
import { checkDevicePublicKey, issueDeviceCertificate, verifyDeviceCertificate } from './device-certificate.js';
import { derToPem, fingerprintSha256, pemToDer } from './fingerprint.js';
import { ECDSA_SHA256, generateP256Key, importP256PublicKey, importSigningKey, publicSpkiOf } from './keys.js';
import { ensurePrivateDir, isExposed, writePrivateFile } from './private-files.js';
import { issueServerCertificate, type ServerCertificate, type ServerCertificateOptions } from './server-certificate.js';
import { x509 } from './x509.js';

export const CA_DIR = 'ca';
export const CA_CERT_FILE = 'ca.crt.pem';
export const CA_KEY_FILE = 'ca.key.pem';
/** Ten years: the CA only signs short-lived leaves, and replacing it means re-pairing every node. */
export const CA_VALIDITY_MS = 10 * 365 * 24 * 3_600_000;

/** What the issuing functions need of the CA. */
export interface CaMaterial {
  certificateDer: Buffer;
  certificatePem: string;
  fingerprint: string;
  /** Parsed once; used for synchronous signature checks. */
  native: NativeCertificate;
  parsed: x509.X509Certificate;
  signingKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
}

/**
 * The daemon CA, implementing the core's `CertificateAuthority` port plus server certificate
 * issuance. Construct with `loadOrCreateDaemonCa`.
 */
export class DaemonCa implements CertificateAuthority {
  constructor(
    private readonly material: CaMaterial,
    /** True when this start created the CA (first start of a state dir). */
    readonly created: boolean,
  ) {}

  get fingerprint(): string {
    return this.material.fingerprint;
  }

  get certificatePem(): string {
    return this.material.certificatePem;
  }

  get certificateDer(): Buffer {
    return this.material.certificateDer;
  }

  checkDevicePublicKey(publicKeySpkiDer: Uint8Array, csrDer?: Uint8Array): Promise<void> {
    return checkDevicePublicKey(publicKeySpkiDer, csrDer);
  }

  issueDeviceCertificate(request: DeviceCertificateRequest): Promise<IssuedDeviceCertificate> {
    return issueDeviceCertificate(this.material, request);
  }

  verifyDeviceCertificate(
    certDer: Uint8Array,
    options: { nowMs: number; isRevoked: (fingerprint: string, deviceId: string) => boolean },
  ): VerifiedDeviceCertificate {
    return verifyDeviceCertificate(certDer, { ca: this.material, ...options });
  }

  /** A fresh server key and certificate for the node RPC listener (see `issueServerCertificate`). */
  issueServerCertificate(options: ServerCertificateOptions = {}): Promise<ServerCertificate> {
    return issueServerCertificate(this.material, options);
  }
}

/**
 * Loads `<stateDir>/ca/{ca.crt.pem, ca.key.pem}` or creates them. A key file readable by group/others
 * is tightened to 0600. A key without a certificate is a creation that crashed half-way (no
 * certificate was ever handed out), so both are made anew; a certificate without its key, or a key
 * that does not match the certificate, is refused.
 *
 * @throws CoreError `failed_precondition` naming the file and what to do.
 */
export async function loadOrCreateDaemonCa(stateDir: string, options: { nowMs?: number } = {}): Promise<DaemonCa> {
  const dir = join(stateDir, CA_DIR);
  ensurePrivateDir(dir);
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const hasCert = existsSync(certPath);
  const hasKey = existsSync(keyPath);
  if (hasCert && !hasKey) {
    throw new CoreError('failed_precondition', `daemon CA certificate ${certPath} has no key ${keyPath}; restore the key or remove ${dir} (every node must then pair again)`);
  }
  if (hasCert && hasKey) return new DaemonCa(await loadCa(certPath, keyPath), false);
  if (hasKey) rmSync(keyPath);
  return new DaemonCa(await createCa(certPath, keyPath, options.nowMs ?? Date.now()), true);
}

async function loadCa(certPath: string, keyPath: string): Promise<CaMaterial> {
  if (isExposed(keyPath)) writePrivateFile(keyPath, readFileSync(keyPath));
  const certificatePem = readFileSync(certPath, 'utf8');
  const keyPem = readFileSync(keyPath, 'utf8');
  let certificateDer: Buffer;
  try {
    certificateDer = pemToDer(certificatePem, 'CERTIFICATE');
    const native = new NativeCertificate(certificateDer);
    if (!publicSpkiOf(createPrivateKey(keyPem)).equals(native.publicKey.export({ format: 'der', type: 'spki' }))) {
      throw new Error('the key does not belong to the certificate');
    }
  } catch (error) {
    throw new CoreError('failed_precondition', `daemon CA in ${certPath} / ${keyPath} is unreadable: ${(error as Error).message}`, { cause: error });
  }
  return material(certificateDer, keyPem);
}

async function createCa(certPath: string, keyPath: string, nowMs: number): Promise<CaMaterial> {
  const key = generateP256Key();
  const signingKey = await importSigningKey(key.privateKeyPem);
  const publicKey = await importP256PublicKey(key.publicKeySpkiDer);
  const name = `CN=Palyra Daemon CA ${randomBytes(4).toString('hex')}, O=Palyra`;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: name,
    issuer: name,
    notBefore: new Date(nowMs - 60_000),
    notAfter: new Date(nowMs + CA_VALIDITY_MS),
    signingAlgorithm: ECDSA_SHA256,
    publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  const certificateDer = Buffer.from(cert.rawData);
  // Key first: a crash before the certificate is written leaves a key alone, which the next start replaces.
  writePrivateFile(keyPath, key.privateKeyPem);
  writePrivateFile(certPath, derToPem(certificateDer, 'CERTIFICATE'));
  return material(certificateDer, key.privateKeyPem);
}

async function material(certificateDer: Buffer, keyPem: string): Promise<CaMaterial> {
  const native = new NativeCertificate(certificateDer);
  return {
    certificateDer,
    certificatePem: derToPem(certificateDer, 'CERTIFICATE'),
    fingerprint: fingerprintSha256(certificateDer),
    native,
    parsed: new x509.X509Certificate(certificateDer),
    signingKey: await importSigningKey(keyPem),
    publicKey: await importP256PublicKey(native.publicKey.export({ format: 'der', type: 'spki' })),
  };
}

/** 16 random bytes as a positive serial number (top bit clear, first byte non-zero). */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
