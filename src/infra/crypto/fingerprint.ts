// Certificate encodings: SHA-256 fingerprints and PEM ⇄ DER.
import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of DER bytes: the fingerprint used for pinning, binding and revocation. */
export function fingerprintSha256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Wraps DER bytes as PEM with the given label (`CERTIFICATE`, `PRIVATE KEY`, …). */
export function derToPem(der: Uint8Array, label: string): string {
  const body = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Every PEM block with `label` in `text`, as DER, in order. */
export function pemToDerList(text: string, label: string): Buffer[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  return [...text.matchAll(pattern)].map((match) => Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

/** The first PEM block with `label` in `text`, as DER. @throws Error when there is none. */
export function pemToDer(text: string, label: string): Buffer {
  const first = pemToDerList(text, label)[0];
  if (!first) throw new Error(`no ${label} PEM block found`);
  return first;
}
