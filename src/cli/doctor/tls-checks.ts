// Doctor checks of certificates: the configured TLS certificate (tls.cert_path) and the daemon CA in the state dir, for validity and expiry.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PalyraConfig } from '../../infra/config/schema.js';
import { CA_CERT_FILE, CA_DIR } from '../../infra/crypto/daemon-ca.js';
import { check, errorText, type CheckResult } from './check.js';

const DAY_MS = 86_400_000;
const WARN_BEFORE_MS = 14 * DAY_MS;

/** Judges one PEM certificate file: not yet valid or expired = fail, expiring within 14 days = warn. */
export function certificateCheck(name: string, path: string, renew: string, nowMs = Date.now()): CheckResult {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(readFileSync(path));
  } catch (error) {
    return check(name, 'fail', `cannot read the certificate ${path}: ${errorText(error)}`, renew);
  }
  const notBefore = Date.parse(certificate.validFrom);
  const notAfter = Date.parse(certificate.validTo);
  const expiry = new Date(notAfter).toISOString().slice(0, 10);
  if (nowMs < notBefore) return check(name, 'fail', `${path} is not valid before ${certificate.validFrom} (is the clock right?)`, renew);
  if (nowMs > notAfter) return check(name, 'fail', `${path} expired on ${expiry}`, renew);
  const days = Math.floor((notAfter - nowMs) / DAY_MS);
  if (notAfter - nowMs < WARN_BEFORE_MS) return check(name, 'warn', `${path} expires in ${days} days (${expiry})`, renew);
  return check(name, 'ok', `${path} valid until ${expiry} (${days} days)`);
}

export function tlsCertificateCheck(config: PalyraConfig): CheckResult {
  if (!config.tls.certPath) return check('tls:cert', 'skip', 'no tls.cert_path configured (loopback listeners serve plain HTTP and gRPC)');
  return certificateCheck('tls:cert', config.tls.certPath, `renew the certificate at ${config.tls.certPath} (tls.cert_path) and restart palyrad`);
}

export function daemonCaCheck(config: PalyraConfig): CheckResult {
  const path = join(config.stateDir, CA_DIR, CA_CERT_FILE);
  if (!existsSync(path)) return check('tls:daemon-ca', 'skip', `no daemon CA at ${path} yet (palyrad creates it on first start)`);
  return certificateCheck('tls:daemon-ca', path, `the daemon CA must be replaced: remove ${join(config.stateDir, CA_DIR)}, restart palyrad and pair every node again`);
}
