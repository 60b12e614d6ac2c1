// Server credentials: cleartext h2c, TLS, or TLS with optional client certificates verified against a CA.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';

export interface GrpcTlsOptions {
  certPath?: string | undefined;
  keyPath?: string | undefined;
  /** When set, clients may present a certificate; one that is presented is verified against this CA. */
  clientCaPath?: string | undefined;
}

/** A provider that hands out fixed PEMs; grpc-js needs listeners called after it registered them. */
function staticProvider(cert: Buffer, key: Buffer, ca: Buffer): grpc.experimental.CertificateProvider {
  return {
    addCaCertificateListener: (listener: grpc.experimental.CaCertificateUpdateListener) => void setImmediate(() => listener({ caCertificate: ca })),
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (listener: grpc.experimental.IdentityCertificateUpdateListener) => void setImmediate(() => listener({ certificate: cert, privateKey: key })),
    removeIdentityCertificateListener: () => undefined,
  };
}

/** @throws when only one of cert/key is given, or a file cannot be read. */
export function serverCredentials(tls: GrpcTlsOptions | undefined): grpc.ServerCredentials {
  if (!tls?.certPath && !tls?.keyPath) {
    if (tls?.clientCaPath) throw new Error('tls.client_ca_path needs tls.cert_path and tls.key_path');
    return grpc.ServerCredentials.createInsecure();
  }
  if (!tls.certPath || !tls.keyPath) throw new Error('TLS needs both tls.cert_path and tls.key_path');
  const cert = readFileSync(tls.certPath);
  const key = readFileSync(tls.keyPath);
  if (!tls.clientCaPath) return grpc.ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false);
  const provider = staticProvider(cert, key, readFileSync(tls.clientCaPath));
  // The .d.ts names the parameters (ca, identity, require) but the constructor takes (identity, ca,
  // require) positionally; one provider serves both roles, so the order does not matter here.
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
}
