// Node-side check of the daemon's certificate chain against the pinned CA fingerprint (used in the
// QUIC client's verify callback, where the native chain check is off).
import { X509Certificate as NativeCertificate } from 'node:crypto';
import { isIP } from 'node:net';
import { CoreError } from '../../core/errors.js';
import { fingerprintSha256 } from './fingerprint.js';

const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';

/**
 * Accepts a server chain (leaf first, DER) only if some certificate in it is the pinned CA (its
 * SHA-256 equals `caFingerprint`), that CA issued and signed the leaf, the leaf is within its
 * validity window, has EKU serverAuth, and (when `serverName` is given) names it in a DNS or IP SAN.
 * Works for an unpaired node (pin from the join string) and a paired one (pin = its stored CA).
 * @throws CoreError `unauthenticated` naming the failed rule. Returns the leaf's fingerprint.
 */
export function verifyPinnedServerChain(
  chainDer: readonly Uint8Array[],
  options: { caFingerprint: string; nowMs: number; serverName?: string },
): { leafFingerprint: string } {
  const pin = options.caFingerprint.trim().toLowerCase();
  const leafDer = chainDer[0];
  if (!leafDer) throw refused('server sent no certificate');
  const caDer = chainDer.find((der) => fingerprintSha256(der) === pin);
  if (!caDer) throw refused('server chain does not contain the pinned CA');
  let leaf: NativeCertificate;
  let ca: NativeCertificate;
  try {
    leaf = new NativeCertificate(Buffer.from(leafDer));
    ca = new NativeCertificate(Buffer.from(caDer));
  } catch (error) {
    throw new CoreError('unauthenticated', 'server certificate is not valid X.509', { cause: error });
  }
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) throw refused('server certificate was not issued by the pinned CA');
  if (options.nowMs < Date.parse(leaf.validFrom) || options.nowMs > Date.parse(leaf.validTo)) throw refused('server certificate is outside its validity window');
  if (!(leaf.keyUsage ?? []).includes(SERVER_AUTH_OID)) throw refused('server certificate lacks the serverAuth extended key usage');
  const name = options.serverName?.replace(/^\[(.*)\]$/, '$1');
  if (name && (isIP(name) ? leaf.checkIP(name) : leaf.checkHost(name)) === undefined) {
    throw refused(`server certificate does not name ${name}`);
  }
  return { leafFingerprint: fingerprintSha256(leafDer) };
}

function refused(message: string): CoreError {
  return new CoreError('unauthenticated', message);
}
