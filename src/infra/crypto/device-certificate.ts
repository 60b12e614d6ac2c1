// Device certificates: issued for a node's own P-256 key (clientAuth only, URI SAN with the device
// id) and verified completely by us, since the QUIC verify callback replaces the native chain check.
import { X509Certificate as NativeCertificate } from 'node:crypto';
import type {
  CertificateRefusal,
  DeviceCertificateRequest,
  IssuedDeviceCertificate,
  VerifiedDeviceCertificate,
} from '../../core/devices/certificate-authority.js';
import { CoreError } from '../../core/errors.js';
import { isCanonicalId } from '../../core/ids.js';
import { type CaMaterial, randomSerialHex } from './daemon-ca.js';
import { derToPem, fingerprintSha256 } from './fingerprint.js';
import { ECDSA_SHA256, importP256PublicKey, requireP256Spki } from './keys.js';
import { x509 } from './x509.js';

export const DEVICE_URI_PREFIX = 'urn:palyra:device:';
export const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const SAN_OID = '2.5.29.17';
const EKU_OID = '2.5.29.37';
// Leaves start a minute in the past so a node whose clock runs slightly behind can use them at once.
const BACKDATE_MS = 60_000;

/**
 * Checks the key is P-256 SPKI and, when a CSR is given, that the CSR's signature verifies and it
 * carries that same key (proof of possession).
 * @throws CoreError `invalid_argument`.
 */
export async function checkDevicePublicKey(publicKeySpkiDer: Uint8Array, csrDer?: Uint8Array): Promise<void> {
  requireP256Spki(publicKeySpkiDer);
  if (!csrDer || csrDer.length === 0) return;
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(Buffer.from(csrDer));
  } catch (error) {
    throw new CoreError('invalid_argument', 'csr_der is not a PKCS#10 certificate request', { cause: error });
  }
  if (!Buffer.from(csr.publicKey.rawData).equals(Buffer.from(publicKeySpkiDer))) {
    throw new CoreError('invalid_argument', 'csr_der carries a different key than public_key_spki_der');
  }
  if (!(await csr.verify())) throw new CoreError('invalid_argument', 'csr_der signature does not verify');
}

/**
 * Issues a device certificate: subject CN = device id (O=Palyra), URI SAN `urn:palyra:device:<id>`,
 * EKU clientAuth only, KeyUsage digitalSignature, not a CA, random 128-bit serial, signed by the
 * daemon CA; valid from one minute before `nowMs` until `nowMs + validityMs`.
 * @throws CoreError `invalid_argument` for a bad device id, key or CSR.
 */
export async function issueDeviceCertificate(ca: CaMaterial, request: DeviceCertificateRequest): Promise<IssuedDeviceCertificate> {
  if (!isCanonicalId(request.deviceId)) throw new CoreError('invalid_argument', 'device_id must be a canonical ULID');
  if (!Number.isSafeInteger(request.validityMs) || request.validityMs <= 0) throw new CoreError('invalid_argument', 'validity must be positive');
  await checkDevicePublicKey(request.publicKeySpkiDer, request.csrDer);
  const publicKey = await importP256PublicKey(request.publicKeySpkiDer);
  const notBefore = request.nowMs - BACKDATE_MS;
  const notAfter = request.nowMs + request.validityMs;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: `CN=${request.deviceId}, O=Palyra`,
    issuer: ca.parsed.subjectName,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: ECDSA_SHA256,
    publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${DEVICE_URI_PREFIX}${request.deviceId}` }], false),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  const der = Buffer.from(cert.rawData);
  return {
    certificatePem: derToPem(der, 'CERTIFICATE'),
    caChainPem: [ca.certificatePem],
    fingerprint: fingerprintSha256(der),
    // X.509 keeps whole seconds; report what the certificate actually says.
    notBeforeMs: cert.notBefore.getTime(),
    notAfterMs: cert.notAfter.getTime(),
  };
}

/**
 * Verifies a peer's leaf certificate (DER) the way a TLS stack would, plus our own rules: issued and
 * signed by this CA, inside its validity window, not a CA, EKU exactly clientAuth, exactly one URI
 * SAN `urn:palyra:device:<ULID>` whose id equals the subject CN; then asks `isRevoked`.
 * @throws CoreError `unauthenticated` for anything but revocation, `permission_denied` when revoked.
 */
export function verifyDeviceCertificate(
  certDer: Uint8Array,
  options: { ca: CaMaterial; nowMs: number; isRevoked: (fingerprint: string, deviceId: string) => boolean },
): VerifiedDeviceCertificate {
  let checked = lastVerified.get(certDer);
  if (!checked || checked.caFingerprint !== options.ca.fingerprint || !checked.der.equals(certDer)) {
    const der = Buffer.from(certDer);
    const key = `${options.ca.fingerprint}:${der.toString('base64')}`;
    let found = verifiedStatic.get(key);
    if (!found) {
      found = checkStatic(der, options.ca, options.nowMs);
      if (verifiedStatic.size >= MAX_VERIFIED_STATIC) verifiedStatic.delete(verifiedStatic.keys().next().value as string);
      verifiedStatic.set(key, found);
    }
    checked = { ...found, caFingerprint: options.ca.fingerprint, der };
    lastVerified.set(certDer, checked);
  }
  // What changes with time is checked on every call: the validity window and revocation.
  if (options.nowMs < checked.notBeforeMs) throw refused('certificate_expired', 'client certificate is not valid yet');
  if (options.nowMs > checked.notAfterMs) throw refused('certificate_expired', 'client certificate has expired');
  if (options.isRevoked(checked.fingerprint, checked.deviceId)) throw new CoreError('permission_denied', 'client certificate is revoked', { details: { reason: 'certificate_revoked' satisfies CertificateRefusal } });
  return { deviceId: checked.deviceId, fingerprint: checked.fingerprint, notAfterMs: checked.notAfterMs };
}

/**
 * Certificates that passed the checks that never change (parse, issuer, signature, not a CA, EKU, SAN/CN),
 * by CA and DER. A node presents the same certificate on every call of its connection; parsing and
 * verifying it each time was a large share of the daemon's CPU with 1,000 nodes heartbeating. Bounded;
 * the oldest entry goes first. Only successes are kept, so a refusal is always worked out afresh.
 */
const verifiedStatic = new Map<string, { deviceId: string; fingerprint: string; notBeforeMs: number; notAfterMs: number }>();
const MAX_VERIFIED_STATIC = 8192;

/**
 * The same, by the bytes object a connection hands in on each of its calls: spares encoding the DER
 * as a key per call (a heartbeat is one). A copy of the DER is compared, so a reused buffer with other
 * contents is looked up afresh.
 */
const lastVerified = new WeakMap<Uint8Array, { deviceId: string; fingerprint: string; notBeforeMs: number; notAfterMs: number; caFingerprint: string; der: Buffer }>();

function checkStatic(der: Buffer, ca: CaMaterial, nowMs: number): { deviceId: string; fingerprint: string; notBeforeMs: number; notAfterMs: number } {
  let native: NativeCertificate;
  let parsed: x509.X509Certificate;
  try {
    native = new NativeCertificate(der);
    parsed = new x509.X509Certificate(der);
  } catch (error) {
    throw refused('bad_certificate', 'client certificate is not a valid X.509 certificate', error);
  }
  if (!native.checkIssued(ca.native)) throw refused('unknown_ca', 'client certificate was not issued by this daemon');
  // Our CA's name with another key's signature: what a TLS stack reports as a failed signature.
  if (!native.verify(ca.native.publicKey)) throw refused('decrypt_error', 'client certificate signature does not verify with this daemon CA');
  if (native.ca) throw refused('bad_certificate', 'client certificate must not be a CA certificate');
  // As BoringSSL: a certificate outside its validity window, too early or too late, is certificate_expired
  // (checked here too so that it comes before the EKU and SAN refusals, as it always did).
  if (nowMs < parsed.notBefore.getTime()) throw refused('certificate_expired', 'client certificate is not valid yet');
  if (nowMs > parsed.notAfter.getTime()) throw refused('certificate_expired', 'client certificate has expired');
  const eku = parsed.getExtension<x509.ExtendedKeyUsageExtension>(EKU_OID);
  const usages = eku ? eku.usages.map(String) : [];
  if (usages.length !== 1 || usages[0] !== CLIENT_AUTH_OID) throw refused('unsupported_certificate', 'client certificate must have the clientAuth extended key usage only');
  // X.509 keeps whole seconds; report what the certificate actually says.
  return { deviceId: deviceIdOf(parsed), fingerprint: fingerprintSha256(der), notBeforeMs: parsed.notBefore.getTime(), notAfterMs: parsed.notAfter.getTime() };
}

function deviceIdOf(cert: x509.X509Certificate): string {
  const san = cert.getExtension<x509.SubjectAlternativeNameExtension>(SAN_OID);
  const uris = san ? san.names.items.filter((name) => name.type === 'url').map((name) => name.value) : [];
  const uri = uris.length === 1 ? uris[0] : undefined;
  const deviceId = uri?.startsWith(DEVICE_URI_PREFIX) ? uri.slice(DEVICE_URI_PREFIX.length) : '';
  if (!isCanonicalId(deviceId)) throw refused('bad_certificate', `client certificate must carry exactly one URI SAN ${DEVICE_URI_PREFIX}<ULID>`);
  const commonNames = cert.subjectName.getField('CN');
  if (commonNames.length !== 1 || commonNames[0] !== deviceId) throw refused('bad_certificate', 'client certificate subject CN must equal its device id');
  return deviceId;
}

function refused(reason: CertificateRefusal, message: string, cause?: unknown): CoreError {
  return new CoreError('unauthenticated', message, { details: { reason }, ...(cause === undefined ? {} : { cause }) });
}
