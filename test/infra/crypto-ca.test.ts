// Daemon CA, device and server certificates with real keys on disk, checked by openssl as well.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import { CA_CERT_FILE, CA_DIR, CA_KEY_FILE, type DaemonCa, loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { fingerprintSha256, pemToDer } from '../../src/infra/crypto/fingerprint.js';
import { generateP256Key } from '../../src/infra/crypto/keys.js';
import { createTlsCsr, loadOrCreateNodeIdentity, saveTlsCredentials } from '../../src/infra/crypto/node-identity.js';
import { x509 } from '../../src/infra/crypto/x509.js';

const DAY_MS = 24 * 3_600_000;
const mode = (path: string) => statSync(path).mode & 0o777;

function openssl(args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe('daemon CA and certificates', () => {
  let dir: string;
  let ca: DaemonCa;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palyra-ca-'));
    ca = await loadOrCreateDaemonCa(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('first start creates the CA: dir 0700, key 0600, P-256 CA certificate whose fingerprint is SHA-256 of its DER', () => {
    assert.equal(ca.created, true);
    assert.equal(mode(join(dir, CA_DIR)), 0o700);
    assert.equal(mode(join(dir, CA_DIR, CA_KEY_FILE)), 0o600);
    const cert = new X509Certificate(readFileSync(join(dir, CA_DIR, CA_CERT_FILE)));
    assert.equal(cert.ca, true);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(ca.fingerprint, fingerprintSha256(cert.raw));
    assert.match(ca.fingerprint, /^[0-9a-f]{64}$/);
  });

  test('restart reuses the same CA (same fingerprint) and tightens a key left readable by others to 0600', async () => {
    chmodSync(join(dir, CA_DIR, CA_KEY_FILE), 0o644);
    const again = await loadOrCreateDaemonCa(dir);
    assert.equal(again.created, false);
    assert.equal(again.fingerprint, ca.fingerprint);
    assert.equal(mode(join(dir, CA_DIR, CA_KEY_FILE)), 0o600);
  });

  test('a CA certificate without its key, or with a foreign key, is refused with failed_precondition', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'palyra-ca-broken-'));
    try {
      await loadOrCreateDaemonCa(broken);
      const keyPath = join(broken, CA_DIR, CA_KEY_FILE);
      writeFileSync(keyPath, generateP256Key().privateKeyPem, { mode: 0o600 });
      await assert.rejects(loadOrCreateDaemonCa(broken), (error: unknown) => error instanceof CoreError && error.code === 'failed_precondition' && /unreadable/.test(error.message));
      rmSync(keyPath);
      await assert.rejects(loadOrCreateDaemonCa(broken), (error: unknown) => error instanceof CoreError && error.code === 'failed_precondition' && /has no key/.test(error.message));
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  test('a key left alone by a crashed first start is replaced by a fresh CA', async () => {
    const crashed = mkdtempSync(join(tmpdir(), 'palyra-ca-crash-'));
    try {
      const first = await loadOrCreateDaemonCa(crashed);
      rmSync(join(crashed, CA_DIR, CA_CERT_FILE));
      const second = await loadOrCreateDaemonCa(crashed);
      assert.equal(second.created, true);
      assert.notEqual(second.fingerprint, first.fingerprint);
    } finally {
      rmSync(crashed, { recursive: true, force: true });
    }
  });

  test('device certificate: CN and URI SAN carry the device id, EKU clientAuth only, 24 h, signed by the CA; openssl sslclient OK, sslserver refused', async () => {
    const node = loadOrCreateNodeIdentity(join(dir, 'node-a'));
    const nowMs = Date.now();
    const issued = await ca.issueDeviceCertificate({ deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, validityMs: DAY_MS, nowMs });
    const cert = new x509.X509Certificate(pemToDer(issued.certificatePem, 'CERTIFICATE'));
    assert.deepEqual(cert.subjectName.getField('CN'), [node.deviceId]);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san?.names.toJSON(), [{ type: 'url', value: `urn:palyra:device:${node.deviceId}` }]);
    assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])].map(String), [x509.ExtendedKeyUsage.clientAuth]);
    assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
    assert.equal(Math.abs(cert.notAfter.getTime() - (nowMs + DAY_MS)) <= 1_000, true);
    assert.equal(cert.notBefore.getTime() <= nowMs, true);
    assert.equal(Buffer.from(cert.publicKey.rawData).equals(node.tls.publicKeySpkiDer), true, 'certifies the node key');
    assert.equal(issued.caChainPem[0], ca.certificatePem);
    const files = { ca: join(dir, 'ca.pem'), leaf: join(dir, 'leaf.pem') };
    writeFileSync(files.ca, ca.certificatePem);
    writeFileSync(files.leaf, issued.certificatePem);
    const client = openssl(['verify', '-purpose', 'sslclient', '-CAfile', files.ca, files.leaf]);
    assert.equal(client.ok, true, client.output);
    assert.match(client.output, /OK/);
    assert.equal(openssl(['verify', '-purpose', 'sslserver', '-CAfile', files.ca, files.leaf]).ok, false);
  });

  test('two issues for one device get different random serials', async () => {
    const node = loadOrCreateNodeIdentity(join(dir, 'node-b'));
    const request = { deviceId: node.deviceId, publicKeySpkiDer: node.tls.publicKeySpkiDer, validityMs: DAY_MS, nowMs: Date.now() };
    const [a, b] = await Promise.all([ca.issueDeviceCertificate(request), ca.issueDeviceCertificate(request)]);
    const serial = (pem: string) => new x509.X509Certificate(pemToDer(pem, 'CERTIFICATE')).serialNumber;
    assert.notEqual(serial(a.certificatePem), serial(b.certificatePem));
    assert.equal(serial(a.certificatePem).length >= 30, true);
  });

  test('a CSR proves possession; a CSR for another key or a non-P-256 key is refused with invalid_argument', async () => {
    const node = loadOrCreateNodeIdentity(join(dir, 'node-c'));
    const csr = await createTlsCsr(node.tls.privateKeyPem, node.deviceId);
    await ca.checkDevicePublicKey(node.tls.publicKeySpkiDer, csr);
    const other = generateP256Key();
    await assert.rejects(ca.checkDevicePublicKey(other.publicKeySpkiDer, csr), (error: unknown) => error instanceof CoreError && error.code === 'invalid_argument');
    const ed25519Spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), node.identityPublicKey]);
    await assert.rejects(ca.checkDevicePublicKey(ed25519Spki), (error: unknown) => error instanceof CoreError && /P-256/.test(error.message));
  });

  test('server certificate: serverAuth only, SAN localhost/palyrad-node-rpc/127.0.0.1/::1 plus configured hosts; openssl sslserver OK', async () => {
    const server = await ca.issueServerCertificate({ hosts: ['10.0.0.7', 'gw.example.test', '0.0.0.0'] });
    const cert = new X509Certificate(server.certificatePem);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    for (const name of ['DNS:localhost', 'DNS:palyrad-node-rpc', 'DNS:gw.example.test', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:10.0.0.7']) {
      assert.match(cert.subjectAltName ?? '', new RegExp(name.replace(/[.]/g, '\\.')));
    }
    assert.doesNotMatch(cert.subjectAltName ?? '', /0\.0\.0\.0/);
    assert.equal(server.chainDer.length, 2);
    assert.equal(fingerprintSha256(server.chainDer[1] as Buffer), ca.fingerprint);
    writeFileSync(join(dir, 'server.pem'), server.certificatePem);
    writeFileSync(join(dir, 'ca.pem'), ca.certificatePem);
    const verdict = openssl(['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem')]);
    assert.equal(verdict.ok, true, verdict.output);
  });

  test('node identity: device id, Ed25519 identity key and TLS key persist 0600 across loads; saved credentials round-trip', async () => {
    const nodeDir = join(dir, 'node-d');
    const first = loadOrCreateNodeIdentity(nodeDir);
    const second = loadOrCreateNodeIdentity(nodeDir);
    assert.equal(second.deviceId, first.deviceId);
    assert.equal(second.identityPublicKey.equals(first.identityPublicKey), true);
    assert.equal(second.tls.publicKeySpkiDer.equals(first.tls.publicKeySpkiDer), true);
    assert.equal(first.identityPublicKey.length, 32);
    assert.equal(mode(nodeDir), 0o700);
    for (const file of ['device-id', 'identity.key.pem', 'tls.pem']) assert.equal(mode(join(nodeDir, file)), 0o600, file);
    const issued = await ca.issueDeviceCertificate({ deviceId: first.deviceId, publicKeySpkiDer: first.tls.publicKeySpkiDer, validityMs: DAY_MS, nowMs: Date.now() });
    saveTlsCredentials(nodeDir, { privateKeyPem: first.tls.privateKeyPem, certificatePem: issued.certificatePem, caChainPem: issued.caChainPem });
    const reloaded = loadOrCreateNodeIdentity(nodeDir).tls;
    assert.equal(reloaded.certificatePem?.trim(), issued.certificatePem.trim());
    assert.equal(reloaded.caChainPem[0]?.trim(), ca.certificatePem.trim());
    assert.equal(reloaded.publicKeySpkiDer.equals(first.tls.publicKeySpkiDer), true);
    assert.equal(existsSync(join(nodeDir, 'tls.pem')), true);
    assert.equal(mode(join(nodeDir, 'tls.pem')), 0o600);
  });
});
