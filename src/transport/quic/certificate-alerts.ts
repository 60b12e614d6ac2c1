// The TLS alert (RFC 8446 §6.2) each certificate refusal is sent as on QUIC, and back from an alert to the refusal on the node's side.
import type { CertificateRefusal } from '../../core/devices/certificate-authority.js';

/** TLS alert numbers; QUIC carries them as CRYPTO_ERROR 0x100 + alert (RFC 9001 §4.8). */
export const CERTIFICATE_ALERTS = {
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  unknown_ca: 48,
  decrypt_error: 51,
} as const satisfies Record<CertificateRefusal, number>;

/** QUIC transport error codes 0x100–0x1ff are TLS alerts. */
export const QUIC_CRYPTO_ERROR_BASE = 0x100;

/** The refusal a TLS alert names, or undefined for an alert that is not about the certificate. */
export function refusalOfAlert(alert: number): CertificateRefusal | undefined {
  return (Object.keys(CERTIFICATE_ALERTS) as CertificateRefusal[]).find((refusal) => CERTIFICATE_ALERTS[refusal] === alert);
}
