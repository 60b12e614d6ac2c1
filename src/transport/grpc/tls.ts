// TLS of the gateway port: server options from the configured files, and the check a client certificate must pass.
import { readFileSync } from 'node:fs';
import type { TLSSocket, TlsOptions } from 'node:tls';

export interface GrpcTlsOptions {
  certPath?: string | undefined;
  keyPath?: string | undefined;
  /** CA that client certificates must chain to. Without it no client certificate is asked for. */
  clientCaPath?: string | undefined;
  /** `required`: a caller without a valid client certificate is refused; `optional` (default): one is verified if presented. */
  clientAuth?: 'optional' | 'required' | undefined;
}

/** extendedKeyUsage id-kp-clientAuth (RFC 5280 §4.2.1.12). */
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';

/**
 * Options for `tls.createServer`, or undefined for cleartext h2c. With a client CA the server asks for
 * a certificate; OpenSSL itself refuses a missing one when it is required (a handshake alert).
 * @throws when only one of cert/key is given, a client CA comes without them, or a file cannot be read.
 */
export function serverTlsOptions(tls: GrpcTlsOptions | undefined): TlsOptions | undefined {
  if (!tls?.certPath && !tls?.keyPath) {
    if (tls?.clientCaPath) throw new Error('tls.client_ca_path needs tls.cert_path and tls.key_path');
    return undefined;
  }
  if (!tls.certPath || !tls.keyPath) throw new Error('TLS needs both tls.cert_path and tls.key_path');
  const options: TlsOptions = { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath), ALPNProtocols: ['h2'], minVersion: 'TLSv1.2' };
  if (!tls.clientCaPath) return options;
  return { ...options, ca: readFileSync(tls.clientCaPath), requestCert: true, rejectUnauthorized: tls.clientAuth === 'required' };
}

/**
 * Why a finished handshake must not be served, or undefined when it may. A presented client certificate
 * must chain to the configured CA and carry the clientAuth extended key usage, whatever the mode; in
 * `required` mode one must be presented. Node completes the handshake before it checks the chain, so
 * this is the check that refuses: the connection is closed before any HTTP/2 frame is read.
 */
export function clientCertificateRefusal(socket: TLSSocket, tls: GrpcTlsOptions): string | undefined {
  if (!tls.clientCaPath) return undefined;
  const certificate = socket.getPeerCertificate();
  const presented = certificate !== null && Object.keys(certificate).length > 0;
  if (!presented) return tls.clientAuth === 'required' ? 'no client certificate' : undefined;
  if (!socket.authorized) return `client certificate not accepted: ${String(socket.authorizationError)}`;
  if (!certificate.ext_key_usage?.includes(CLIENT_AUTH_EKU)) return 'client certificate lacks the clientAuth extended key usage';
  return undefined;
}
