// verifyDeviceCertificate and verifyPinnedServerChain refuse everything a TLS stack would, and more.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreError, type ErrorCode } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { type DaemonCa, loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { pemToDer } from '../../src/infra/crypto/fingerprint.js';
import { ECDSA_SHA256, generateP256Key, importP256PublicKey, importSigningKey } from '../../src/infra/crypto/keys.js';
import { verifyPinnedServerChain } from '../../src/infra/crypto/server-pin.js';
import { x509 } from '../../src/infra/crypto/x509.js';

const DAY_MS = 24 * 3_600_000;
const fails = (code: ErrorCode, pattern: RegExp) => (error: unknown) => error instanceof CoreError && error.code === code && pattern.test(error.message);
const never = () => false;

describe('device certificate verification', () => {
  let dir: string;
  let ca: DaemonCa;
  let foreign: DaemonCa;
  const key = generateP256Key();
  const deviceId = newId();
  let good: Buffer;
  let issuedAt: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palyra-verify-'));
    ca = await loadOrCreateDaemonCa(join(dir, 'ours'));
    foreign = await loadOrCreateDaemonCa(join(dir, 'theirs'));
    issuedAt = Date.now();
    good = pemToDer((await ca.issueDeviceCertificate({ deviceId, publicKeySpkiDer: key.publicKeySpkiDer, validityMs: DAY_MS, nowMs: issuedAt })).certificatePem, 'CERTIFICATE');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a certificate we issued → device id, fingerprint and notAfter', () => {
    const verified = ca.verifyDeviceCertificate(good, { nowMs: Date.now(), isRevoked: never });
    assert.equal(verified.deviceId, deviceId);
    assert.match(verified.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(Math.abs(verified.notAfterMs - (issuedAt + DAY_MS)) <= 1_000, true);
  });

  test('issued by another CA (same shape) → unauthenticated', async () => {
    const theirs = pemToDer((await foreign.issueDeviceCertificate({ deviceId, publicKeySpkiDer: key.publicKeySpkiDer, validityMs: DAY_MS, nowMs: Date.now() })).certificatePem, 'CERTIFICATE');
    assert.throws(() => ca.verifyDeviceCertificate(theirs, { nowMs: Date.now(), isRevoked: never }), fails('unauthenticated', /not issued by this daemon/));
  });

  test('verified once, then expired or revoked → refused on the next check (only what never changes is remembered)', () => {
    ca.verifyDeviceCertificate(good, { nowMs: Date.now(), isRevoked: never });
    assert.throws(() => ca.verifyDeviceCertificate(good, { nowMs: issuedAt + DAY_MS + 2_000, isRevoked: never }), fails('unauthenticated', /expired/));
    assert.throws(() => ca.verifyDeviceCertificate(good, { nowMs: Date.now(), isRevoked: () => true }), fails('permission_denied', /revoked/));
  });

  test('the same bytes object verified, then overwritten in place (another device, then a foreign CA) → each checked for what it holds now', async () => {
    // ECDSA signatures vary in length by a byte or two: issue until a certificate fits the same buffer.
    const sameLength = async (issuer: DaemonCa, id: string) => {
      for (;;) {
        const der = pemToDer((await issuer.issueDeviceCertificate({ deviceId: id, publicKeySpkiDer: generateP256Key().publicKeySpkiDer, validityMs: DAY_MS, nowMs: Date.now() })).certificatePem, 'CERTIFICATE');
        if (der.length === good.length) return der;
      }
    };
    const otherId = newId();
    const other = await sameLength(ca, otherId);
    const theirs = await sameLength(foreign, deviceId);
    const reused = new Uint8Array(good);
    assert.equal(ca.verifyDeviceCertificate(reused, { nowMs: Date.now(), isRevoked: never }).deviceId, deviceId);
    assert.equal(ca.verifyDeviceCertificate(reused, { nowMs: Date.now(), isRevoked: never }).deviceId, deviceId);
    reused.set(other);
    assert.equal(ca.verifyDeviceCertificate(reused, { nowMs: Date.now(), isRevoked: never }).deviceId, otherId);
    reused.set(theirs);
    assert.throws(() => ca.verifyDeviceCertificate(reused, { nowMs: Date.now(), isRevoked: never }), fails('unauthenticated', /not issued by this daemon/));
  });

  test('expired, or not yet valid → unauthenticated', () => {
    assert.throws(() => ca.verifyDeviceCertificate(good, { nowMs: issuedAt + DAY_MS + 2_000, isRevoked: never }), fails('unauthenticated', /expired/));
    assert.throws(() => ca.verifyDeviceCertificate(good, { nowMs: issuedAt - 5 * 60_000, isRevoked: never }), fails('unauthenticated', /not valid yet/));
  });

  test('a serverAuth certificate from our own CA presented as a client → unauthenticated (EKU)', async () => {
    const server = await ca.issueServerCertificate();
    assert.throws(() => ca.verifyDeviceCertificate(server.chainDer[0] as Buffer, { nowMs: Date.now(), isRevoked: never }), fails('unauthenticated', /clientAuth/));
  });

  test('one flipped byte in the signature or in the body → unauthenticated', () => {
    for (const index of [good.length - 5, Math.floor(good.length / 3)]) {
      const tampered = Buffer.from(good);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      assert.throws(() => ca.verifyDeviceCertificate(tampered, { nowMs: Date.now(), isRevoked: never }), (error: unknown) => error instanceof CoreError && error.code === 'unauthenticated');
    }
    assert.throws(() => ca.verifyDeviceCertificate(Buffer.from('not a certificate'), { nowMs: Date.now(), isRevoked: never }), fails('unauthenticated', /not a valid X.509/));
  });

  test('revoked (isRevoked says so for its fingerprint and device) → permission_denied', () => {
    const seen: string[] = [];
    assert.throws(
      () =>
        ca.verifyDeviceCertificate(good, {
          nowMs: Date.now(),
          isRevoked: (fingerprint, id) => {
            seen.push(id);
            return fingerprint.length === 64;
          },
        }),
      fails('permission_denied', /revoked/),
    );
    assert.deepEqual(seen, [deviceId]);
  });

  test('a CA-signed client certificate without the device URI SAN → unauthenticated', async () => {
    // Signed with the CA key itself, so only our SAN rule can refuse it.
    const signingKey = await importSigningKey(readFileSync(join(dir, 'ours', 'ca', 'ca.key.pem'), 'utf8'));
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${deviceId}`,
      issuer: new x509.X509Certificate(pemToDer(ca.certificatePem, 'CERTIFICATE')).subjectName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + DAY_MS),
      signingAlgorithm: ECDSA_SHA256,
      publicKey: await importP256PublicKey(key.publicKeySpkiDer),
      signingKey,
      extensions: [new x509.BasicConstraintsExtension(false), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    });
    assert.throws(() => ca.verifyDeviceCertificate(Buffer.from(cert.rawData), { nowMs: Date.now(), isRevoked: never }), fails('unauthenticated', /URI SAN/));
  });

  test('server pin: right CA fingerprint and name → leaf fingerprint; wrong pin, missing CA, wrong name, foreign leaf → unauthenticated', async () => {
    const server = await ca.issueServerCertificate({ hosts: ['10.0.0.7'] });
    const ok = verifyPinnedServerChain(server.chainDer, { caFingerprint: ca.fingerprint.toUpperCase(), nowMs: Date.now(), serverName: 'palyrad-node-rpc' });
    assert.equal(ok.leafFingerprint, server.fingerprint);
    verifyPinnedServerChain(server.chainDer, { caFingerprint: ca.fingerprint, nowMs: Date.now(), serverName: '10.0.0.7' });
    const opts = { nowMs: Date.now(), serverName: 'palyrad-node-rpc' };
    assert.throws(() => verifyPinnedServerChain(server.chainDer, { ...opts, caFingerprint: foreign.fingerprint }), fails('unauthenticated', /pinned CA/));
    assert.throws(() => verifyPinnedServerChain(server.chainDer.slice(0, 1), { ...opts, caFingerprint: ca.fingerprint }), fails('unauthenticated', /pinned CA/));
    assert.throws(() => verifyPinnedServerChain(server.chainDer, { ...opts, caFingerprint: ca.fingerprint, serverName: 'evil.example' }), fails('unauthenticated', /does not name/));
    const theirs = await foreign.issueServerCertificate();
    assert.throws(() => verifyPinnedServerChain([theirs.chainDer[0] as Buffer, ca.certificateDer], { ...opts, caFingerprint: ca.fingerprint }), fails('unauthenticated', /not issued by the pinned CA/));
    assert.throws(() => verifyPinnedServerChain(server.chainDer, { ...opts, nowMs: server.notAfterMs + 1_000, caFingerprint: ca.fingerprint }), fails('unauthenticated', /validity/));
  });
});

