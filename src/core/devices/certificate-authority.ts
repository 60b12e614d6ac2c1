// Port: the daemon CA as the core sees it (issue and verify device certificates); infra/crypto implements it.

/** A device certificate the CA issued for a key the node generated (the CA never sees the private key). */
export interface IssuedDeviceCertificate {
  certificatePem: string;
  /** Issuing chain, leaf's issuer first, ending with the daemon CA (today just the CA). */
  caChainPem: string[];
  /** Lower-case hex SHA-256 of the certificate DER. */
  fingerprint: string;
  notBeforeMs: number;
  notAfterMs: number;
}

/**
 * Why a client certificate was refused, in `details.reason` of the `unauthenticated` (or, for
 * `certificate_revoked`, `permission_denied`) error. The names are the TLS alerts of RFC 8446 §6.2, so
 * QUIC (which refuses with the alert in the handshake) and the TCP fallback (which refuses each call
 * with an error frame carrying the name) say the same thing.
 */
export type CertificateRefusal = 'bad_certificate' | 'unsupported_certificate' | 'certificate_revoked' | 'certificate_expired' | 'unknown_ca' | 'decrypt_error';

/** What a verified device certificate says. */
export interface VerifiedDeviceCertificate {
  deviceId: string;
  /** Lower-case hex SHA-256 of the certificate DER. */
  fingerprint: string;
  notAfterMs: number;
}

export interface DeviceCertificateRequest {
  deviceId: string;
  /** The node's TLS public key, SubjectPublicKeyInfo DER (ECDSA P-256). */
  publicKeySpkiDer: Uint8Array;
  /** Optional PKCS#10 request signed by that key; when present its key must equal `publicKeySpkiDer`. */
  csrDer?: Uint8Array | undefined;
  validityMs: number;
  nowMs: number;
}

/**
 * The daemon's certificate authority. Implementations verify everything a TLS stack would (issuer
 * signature against this CA, validity window, clientAuth EKU) plus our own rules (URI SAN
 * `urn:palyra:device:<ULID>` equal to the subject CN), because the QUIC library's verify callback
 * replaces the native chain check.
 */
export interface CertificateAuthority {
  /** Lower-case hex SHA-256 of the CA certificate DER: what join strings carry and nodes pin. */
  readonly fingerprint: string;
  readonly certificatePem: string;
  /**
   * Checks a node's TLS public key (and CSR, if any) before a pairing request is stored.
   * @throws CoreError `invalid_argument` when the key is not P-256 SPKI, the CSR signature is bad or
   *   the CSR carries another key.
   */
  checkDevicePublicKey(publicKeySpkiDer: Uint8Array, csrDer?: Uint8Array): Promise<void>;
  /** @throws CoreError `invalid_argument` as `checkDevicePublicKey`. */
  issueDeviceCertificate(request: DeviceCertificateRequest): Promise<IssuedDeviceCertificate>;
  /**
   * Verifies a peer's leaf certificate (DER).
   * @throws CoreError `unauthenticated` (not ours, tampered, expired, not yet valid, wrong EKU, no
   *   device SAN) or `permission_denied` (`isRevoked` said so), with a `CertificateRefusal` as `details.reason`.
   */
  verifyDeviceCertificate(
    certDer: Uint8Array,
    options: { nowMs: number; isRevoked: (fingerprint: string, deviceId: string) => boolean },
  ): VerifiedDeviceCertificate;
}
