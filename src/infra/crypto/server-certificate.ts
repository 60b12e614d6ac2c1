// The node RPC server certificate: a fresh P-256 key each issue, serverAuth only, and a source that
// renews it on a timer so the listener never needs a restart.
import { isIP } from 'node:net';
import type { CaMaterial } from './daemon-ca.js';
import { randomSerialHex } from './daemon-ca.js';
import { derToPem, fingerprintSha256 } from './fingerprint.js';
import { ECDSA_SHA256, generateP256Key, importP256PublicKey, importSigningKey } from './keys.js';
import { x509 } from './x509.js';

/** The name nodes check the server against (SNI / hostname), as in the reference. */
export const SERVER_COMMON_NAME = 'palyrad-node-rpc';
export const DEFAULT_SERVER_VALIDITY_MS = 7 * 24 * 3_600_000;
export const DEFAULT_SERVER_RENEW_BEFORE_MS = 2 * 24 * 3_600_000;

export interface ServerCertificateOptions {
  /** Extra names or addresses clients use (e.g. the configured bind host); wildcards binds are skipped. */
  hosts?: readonly string[];
  validityMs?: number;
  nowMs?: number;
}

export interface ServerCertificate {
  /** PKCS#8 PEM; held in memory only, never written. */
  privateKeyPem: string;
  certificatePem: string;
  /** Leaf then the daemon CA: what the listener sends, so an unpaired node can check the CA pin. */
  chainPem: string;
  /** Leaf then CA, DER. */
  chainDer: Buffer[];
  fingerprint: string;
  notAfterMs: number;
}

/**
 * Issues a server certificate: CN `palyrad-node-rpc`; SAN DNS `localhost`, `palyrad-node-rpc` and
 * every host name in `hosts`, IP 127.0.0.1, ::1 and every address in `hosts` (duplicates and the
 * wildcard binds 0.0.0.0 / :: dropped); EKU serverAuth only; valid 7 days by default.
 */
export async function issueServerCertificate(ca: CaMaterial, options: ServerCertificateOptions = {}): Promise<ServerCertificate> {
  const nowMs = options.nowMs ?? Date.now();
  const key = generateP256Key();
  const publicKey = await importP256PublicKey(key.publicKeySpkiDer);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: `CN=${SERVER_COMMON_NAME}, O=Palyra`,
    issuer: ca.parsed.subjectName,
    notBefore: new Date(nowMs - 60_000),
    notAfter: new Date(nowMs + (options.validityMs ?? DEFAULT_SERVER_VALIDITY_MS)),
    signingAlgorithm: ECDSA_SHA256,
    publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(serverNames(options.hosts ?? []), false),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  const der = Buffer.from(cert.rawData);
  const certificatePem = derToPem(der, 'CERTIFICATE');
  // Proves the key is usable for signing before the listener gets it.
  await importSigningKey(key.privateKeyPem);
  return {
    privateKeyPem: key.privateKeyPem,
    certificatePem,
    chainPem: certificatePem + ca.certificatePem,
    chainDer: [der, ca.certificateDer],
    fingerprint: fingerprintSha256(der),
    notAfterMs: cert.notAfter.getTime(),
  };
}

function serverNames(hosts: readonly string[]): Array<{ type: 'dns' | 'ip'; value: string }> {
  const dns = new Map<string, string>([['localhost', 'localhost'], [SERVER_COMMON_NAME, SERVER_COMMON_NAME]]);
  const ips = new Set(['127.0.0.1', '::1']);
  for (const raw of hosts) {
    const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (!host || host === '0.0.0.0' || host === '::') continue;
    if (isIP(host)) ips.add(host);
    else if (!dns.has(host.toLowerCase())) dns.set(host.toLowerCase(), host);
  }
  return [...[...dns.values()].map((value) => ({ type: 'dns' as const, value })), ...[...ips].map((value) => ({ type: 'ip' as const, value }))];
}

/** Anything with a CA that can issue server certificates (the DaemonCa). */
export interface ServerCertificateIssuer {
  issueServerCertificate(options?: ServerCertificateOptions): Promise<ServerCertificate>;
}

export type ServerCertificateListener = (certificate: ServerCertificate) => void;

/**
 * Holds the current server certificate and replaces it `renewBeforeMs` before it expires, on an
 * unref'd timer. Listeners (the QUIC listener) swap it in for new connections; open connections
 * keep the certificate they were made with. A failed renewal is retried after a minute and reported.
 */
export class ServerCertificateSource {
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<ServerCertificateListener>();
  private closed = false;

  private constructor(
    private readonly issuer: ServerCertificateIssuer,
    private readonly options: { hosts: readonly string[]; validityMs: number; renewBeforeMs: number; onError: (error: unknown) => void },
    private certificate: ServerCertificate,
  ) {
    this.schedule();
  }

  static async create(
    issuer: ServerCertificateIssuer,
    options: { hosts?: readonly string[]; validityMs?: number; renewBeforeMs?: number; onError?: (error: unknown) => void } = {},
  ): Promise<ServerCertificateSource> {
    const resolved = {
      hosts: options.hosts ?? [],
      validityMs: options.validityMs ?? DEFAULT_SERVER_VALIDITY_MS,
      renewBeforeMs: Math.min(options.renewBeforeMs ?? DEFAULT_SERVER_RENEW_BEFORE_MS, (options.validityMs ?? DEFAULT_SERVER_VALIDITY_MS) / 2),
      onError: options.onError ?? (() => undefined),
    };
    const first = await issuer.issueServerCertificate({ hosts: resolved.hosts, validityMs: resolved.validityMs });
    return new ServerCertificateSource(issuer, resolved, first);
  }

  current(): ServerCertificate {
    return this.certificate;
  }

  /** Called with each new certificate; returns an unsubscribe function. */
  onRenewed(listener: ServerCertificateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Issues a replacement now (also what the timer does). */
  async renewNow(): Promise<ServerCertificate> {
    const next = await this.issuer.issueServerCertificate({ hosts: this.options.hosts, validityMs: this.options.validityMs });
    if (this.closed) return next;
    this.certificate = next;
    for (const listener of this.listeners) listener(next);
    this.schedule();
    return next;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private schedule(delayMs = this.certificate.notAfterMs - this.options.renewBeforeMs - Date.now()): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.renewNow().catch((error: unknown) => {
        this.options.onError(error);
        this.schedule(60_000);
      });
    }, Math.min(Math.max(delayMs, 0), 2 ** 31 - 1));
    this.timer.unref();
  }
}
