// Pairing over real SQLite and real certificates: codes, proofs, lockout, burn, decisions, delivery.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  formatJoinString,
  pairingCodeKey,
  pairingProof,
  parseJoinString,
} from '../../src/core/devices/pairing-transcript.js';
import { CoreError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { pemToDer } from '../../src/infra/crypto/fingerprint.js';
import { signPairingStatus } from '../../src/infra/crypto/node-identity.js';
import { createNodeFixture, fails, type NodeFixture } from '../helpers/node-fixture.js';

describe('node pairing', () => {
  let fx: NodeFixture;
  before(async () => {
    fx = await createNodeFixture();
  });
  after(() => fx.close());

  const reason = (expected: string) => (error: unknown) => error instanceof CoreError && error.code === 'failed_precondition' && error.details.reason === expected;

  test('join string: round-trips, carries the CA fingerprint and address (IPv6 too); malformed parts → invalid_argument', async () => {
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const parsed = parseJoinString(code.joinString);
    assert.equal(parsed.codeId, code.codeId);
    assert.equal(parsed.caFingerprint, fx.ca.fingerprint);
    assert.equal(parsed.address, '127.0.0.1:7444');
    const v6 = parseJoinString(formatJoinString({ ...parsed, address: '[::1]:9000' }));
    assert.deepEqual([v6.host, v6.port], ['::1', 9000]);
    for (const bad of ['nope', code.joinString.replace(parsed.secret, 'short'), code.joinString.replace(parsed.caFingerprint, 'AB'), code.joinString.replace(':7444', ':99999')]) {
      assert.throws(() => parseJoinString(bad), fails('invalid_argument', /join string is malformed/));
    }
  });

  test('happy path: prove code → pending → approve → signed poll returns a certificate for the node key → it authenticates as node:<id>', async () => {
    const identity = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, { ttlMs: 60_000 });
    const begun = await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity));
    assert.equal(begun.status, 'pending');
    assert.equal(begun.caFingerprint, fx.ca.fingerprint);
    const poll = () => fx.core.pairing.getStatus({ pairingId: begun.pairingId, deviceId: identity.deviceId, identitySignature: signPairingStatus(identity, begun.pairingId) });
    const pending = await poll();
    assert.equal(pending.status, 'pending');
    assert.equal(pending.certificatePem, null);
    const listed = fx.core.pairing.list(fx.admin, { state: 'pending' });
    const view = listed.find((request) => request.pairingId === begun.pairingId);
    assert.equal(view?.deviceId, identity.deviceId);
    assert.match(view?.identityFingerprint ?? '', /^[0-9a-f]{64}$/);
    const approved = await fx.core.pairing.approve(fx.admin, begun.pairingId);
    assert.equal(approved.state, 'approved');
    const done = await poll();
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.caChainPem, [fx.ca.certificatePem]);
    const again = await poll();
    assert.equal(again.certificatePem, done.certificatePem, 'later polls return the same certificate');
    const ctx = fx.core.devices.authenticateCertificate(pemToDer(done.certificatePem ?? '', 'CERTIFICATE'));
    assert.deepEqual([ctx.principal, ctx.deviceId, ctx.credential, ctx.credentialId], [`node:${identity.deviceId}`, identity.deviceId, 'device_certificate', done.certFingerprint]);
    const kinds = (fx.db.prepare("SELECT kind FROM journal_events WHERE kind LIKE 'device.%' ORDER BY seq").all() as Array<{ kind: string }>).map((row) => row.kind);
    for (const kind of ['device.pairing_code_created', 'device.pairing_requested', 'device.paired']) assert.ok(kinds.includes(kind), kind);
  });

  test('the code secret is stored nowhere: not in pairing_codes, not in the journal', async () => {
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const { secret } = parseJoinString(code.joinString);
    const dump = JSON.stringify([fx.db.prepare('SELECT * FROM pairing_codes').all(), fx.db.prepare('SELECT payload_json FROM journal_events').all()]);
    assert.equal(dump.includes(secret), false);
    assert.equal(dump.includes(pairingCodeKey(secret).toString('hex')), true, 'only the derived key is kept');
  });

  test('wrong proof → permission_denied and a counted miss; an unknown code id gives the same answer', async () => {
    const identity = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, {});
    await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity, { proof: Buffer.alloc(32, 7), peer: '10.9.0.1' })), fails('permission_denied', /proof does not match/));
    const row = fx.db.prepare('SELECT failed_attempts FROM pairing_codes WHERE code_id = ?').get(code.codeId) as { failed_attempts: number };
    assert.equal(row.failed_attempts, 1);
    const unknown = fx.beginInput(code.joinString, identity, { peer: '10.9.0.2' });
    await assert.rejects(fx.core.pairing.beginPairing({ ...unknown, codeId: newId() }), fails('permission_denied', /proof does not match/));
  });

  test('a proof bound to one key does not work for another key (the transcript covers the TLS key)', async () => {
    const identity = fx.newIdentity();
    const other = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const input = { ...fx.beginInput(code.joinString, identity, { peer: '10.9.1.1' }), tlsPublicKeySpki: other.tls.publicKeySpkiDer };
    await assert.rejects(fx.core.pairing.beginPairing(input), fails('permission_denied'));
  });

  test('replayed code: a second device with a correct proof → failed_precondition used; the same node retrying gets its request back', async () => {
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const first = fx.newIdentity();
    const begun = await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, first));
    const retried = await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, first));
    assert.equal(retried.pairingId, begun.pairingId);
    await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(code.joinString, fx.newIdentity())), reason('used'));
  });

  test('expired code → failed_precondition expired; TTL is clamped to [30 s, 24 h]', async () => {
    const code = await fx.core.pairing.createCode(fx.admin, { ttlMs: 1 });
    assert.equal(code.expiresAtMs - fx.now() <= 30_000 && code.expiresAtMs - fx.now() > 29_000, true);
    const long = await fx.core.pairing.createCode(fx.admin, { ttlMs: 7 * 24 * 3_600_000 });
    assert.equal(long.expiresAtMs - fx.now() <= 24 * 3_600_000, true);
    fx.advance(31_000);
    await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(code.joinString, fx.newIdentity())), reason('expired'));
  });

  test('brute force: 5 wrong proofs burn the code; then even the right proof → failed_precondition burned', async () => {
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const identity = fx.newIdentity();
    for (let i = 0; i < 5; i += 1) {
      // Distinct peers, so the per-peer lockout does not hide the per-code burn.
      await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity, { proof: Buffer.alloc(32, i), peer: `10.8.0.${i}` })), fails('permission_denied'));
    }
    const row = fx.db.prepare('SELECT failed_attempts, burned_at_ms FROM pairing_codes WHERE code_id = ?').get(code.codeId) as { failed_attempts: number; burned_at_ms: number | null };
    assert.equal(row.failed_attempts, 5);
    assert.notEqual(row.burned_at_ms, null);
    await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity, { peer: '10.8.1.1' })), reason('burned'));
  });

  test('per-peer lockout: 5 misses from one address → resource_exhausted, even with a valid proof for another code', async () => {
    const peer = '192.0.2.44';
    const identity = fx.newIdentity();
    for (let i = 0; i < 5; i += 1) {
      const code = await fx.core.pairing.createCode(fx.admin, {});
      await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity, { proof: Buffer.alloc(32, 1), peer })), fails('permission_denied'));
    }
    const fresh = await fx.core.pairing.createCode(fx.admin, {});
    await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(fresh.joinString, identity, { peer })), fails('resource_exhausted', /too many failed pairing attempts/));
    fx.advance(61_000);
    const begun = await fx.core.pairing.beginPairing(fx.beginInput(fresh.joinString, identity, { peer }));
    assert.equal(begun.status, 'pending', 'the lockout ends with the window');
  });

  test('auto-approve code → approved at once, certificate on first poll, decided by the auto-approver', async () => {
    const identity = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, { autoApprove: true });
    const begun = await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity));
    assert.equal(begun.status, 'approved');
    const status = await fx.core.pairing.getStatus({ pairingId: begun.pairingId, deviceId: identity.deviceId, identitySignature: signPairingStatus(identity, begun.pairingId) });
    assert.equal(status.status, 'completed');
    assert.ok(status.certificatePem);
    assert.equal(fx.core.pairing.list(fx.admin).find((r) => r.pairingId === begun.pairingId)?.decidedBy, 'system:pairing-auto-approve');
  });

  test('reject: the node sees rejected with the reason; a rejected request cannot be approved later', async () => {
    const identity = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const begun = await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity));
    await fx.core.pairing.reject(fx.admin, begun.pairingId, 'unknown machine');
    await assert.rejects(fx.core.pairing.approve(fx.admin, begun.pairingId), fails('failed_precondition', /rejected, not pending/));
    const status = await fx.core.pairing.getStatus({ pairingId: begun.pairingId, deviceId: identity.deviceId, identitySignature: signPairingStatus(identity, begun.pairingId) });
    assert.deepEqual([status.status, status.reason, status.certificatePem], ['rejected', 'unknown machine', null]);
  });

  test('status poll: wrong device → permission_denied; a signature by another identity → permission_denied; unknown id → not_found', async () => {
    const identity = fx.newIdentity();
    const stranger = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const begun = await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity));
    await assert.rejects(
      fx.core.pairing.getStatus({ pairingId: begun.pairingId, deviceId: stranger.deviceId, identitySignature: signPairingStatus(stranger, begun.pairingId) }),
      fails('permission_denied', /another device/),
    );
    const forged = signPairingStatus({ identityPrivateKey: stranger.identityPrivateKey, deviceId: identity.deviceId }, begun.pairingId);
    await assert.rejects(fx.core.pairing.getStatus({ pairingId: begun.pairingId, deviceId: identity.deviceId, identitySignature: forged }), fails('permission_denied', /not signed/));
    await assert.rejects(fx.core.pairing.getStatus({ pairingId: newId(), deviceId: identity.deviceId, identitySignature: forged }), fails('not_found'));
  });

  test('a pending request expires after its window; approving it then → failed_precondition', async () => {
    const identity = fx.newIdentity();
    const code = await fx.core.pairing.createCode(fx.admin, {});
    const begun = await fx.core.pairing.beginPairing(fx.beginInput(code.joinString, identity));
    fx.advance(16 * 60_000);
    await assert.rejects(fx.core.pairing.approve(fx.admin, begun.pairingId), fails('failed_precondition', /expired/));
    const status = await fx.core.pairing.getStatus({ pairingId: begun.pairingId, deviceId: identity.deviceId, identitySignature: signPairingStatus(identity, begun.pairingId) });
    assert.equal(status.status, 'expired');
  });

  test('an already paired device id → already_exists; a revoked one → permission_denied', async () => {
    const paired = await fx.pairNode();
    const code = await fx.core.pairing.createCode(fx.admin, {});
    await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(code.joinString, paired.identity)), fails('already_exists'));
    await fx.core.devices.revoke(fx.admin, paired.identity.deviceId, 'lost laptop');
    const next = await fx.core.pairing.createCode(fx.admin, {});
    await assert.rejects(fx.core.pairing.beginPairing(fx.beginInput(next.joinString, paired.identity)), fails('permission_denied', /revoked/));
  });

  test('operator calls need devices scopes: a token with runs:read only → permission_denied', async () => {
    const weak = { ...fx.admin, principal: 'user:weak', scopes: ['runs:read'] };
    await assert.rejects(fx.core.pairing.createCode(weak, {}), fails('permission_denied'));
    assert.throws(() => fx.core.pairing.list(weak), fails('permission_denied'));
  });

  test('proof helpers agree: the node-side proof equals the daemon-side one for the same transcript', () => {
    const input = {
      codeId: newId(),
      deviceId: newId(),
      clientKind: 'node' as const,
      tlsPublicKeySpki: Buffer.from('spki'),
      identityPublicKey: Buffer.alloc(32, 1),
      caFingerprint: 'a'.repeat(64),
    };
    const key = pairingCodeKey('s'.repeat(43));
    assert.equal(pairingProof(key, input).equals(pairingProof(key, { ...input })), true);
    assert.equal(pairingProof(key, input).equals(pairingProof(key, { ...input, deviceId: newId() })), false);
  });
});
