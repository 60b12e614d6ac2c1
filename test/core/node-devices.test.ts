// Paired devices: certificate authentication, renewal with overlap, registration, presence, live revocation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RevocationEvent } from '../../src/core/devices/devices.js';
import { pemToDer } from '../../src/infra/crypto/fingerprint.js';
import { generateTlsKey } from '../../src/infra/crypto/node-identity.js';
import { createNodeFixture, fails, type NodeFixture } from '../helpers/node-fixture.js';

describe('node devices', () => {
  let fx: NodeFixture;
  before(async () => {
    fx = await createNodeFixture();
  });
  after(() => fx.close());

  test('renewal: a new certificate for a fresh key; the old one stays valid until it expires; heartbeat asks for renewal near expiry', async () => {
    const node = await fx.pairNode();
    assert.equal(fx.core.devices.heartbeat(node.ctx).renewCertificate, false);
    fx.advance(17 * 3_600_000);
    assert.equal(fx.core.devices.heartbeat(node.ctx).renewCertificate, true, 'inside the last third of 24 h');
    const fresh = generateTlsKey();
    const renewed = await fx.core.devices.renewCertificate(node.ctx, { publicKeySpkiDer: fresh.publicKeySpkiDer });
    const newDer = pemToDer(renewed.certificatePem, 'CERTIFICATE');
    const newCtx = fx.core.devices.authenticateCertificate(newDer);
    assert.equal(newCtx.credentialId, renewed.fingerprint);
    assert.equal(fx.core.devices.authenticateCertificate(node.certDer).deviceId, node.identity.deviceId, 'old certificate still valid (overlap)');
    assert.equal(fx.core.devices.heartbeat(newCtx).renewCertificate, false);
    fx.advance(8 * 3_600_000);
    assert.throws(() => fx.core.devices.authenticateCertificate(node.certDer), fails('unauthenticated', /expired/));
    assert.equal(fx.core.devices.authenticateCertificate(newDer).deviceId, node.identity.deviceId);
  });

  test('a certificate our CA signed but this daemon never recorded for the device → unauthenticated', async () => {
    const node = await fx.pairNode();
    const stray = await fx.ca.issueDeviceCertificate({ deviceId: node.identity.deviceId, publicKeySpkiDer: node.identity.tls.publicKeySpkiDer, validityMs: 3_600_000, nowMs: fx.now() });
    assert.throws(() => fx.core.devices.authenticateCertificate(pemToDer(stray.certificatePem, 'CERTIFICATE')), fails('unauthenticated', /not one this daemon issued/));
  });

  test('revocation: listeners fire at once with every fingerprint; later authentication and node calls → permission_denied', async () => {
    const node = await fx.pairNode();
    const renewed = await fx.core.devices.renewCertificate(node.ctx, { publicKeySpkiDer: generateTlsKey().publicKeySpkiDer });
    const events: RevocationEvent[] = [];
    const unsubscribe = fx.core.devices.onRevoked((event) => {
      events.push(event);
      return 2;
    });
    const result = await fx.core.devices.revoke(fx.admin, node.identity.deviceId, 'stolen');
    unsubscribe();
    assert.deepEqual(result, { deviceId: node.identity.deviceId, revoked: true, closedConnections: 2 });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.reason, 'stolen');
    assert.deepEqual(new Set(events[0]?.fingerprints), new Set([renewed.fingerprint, node.ctx.credentialId]));
    assert.throws(() => fx.core.devices.authenticateCertificate(node.certDer), fails('permission_denied', /revoked/));
    assert.throws(() => fx.core.devices.heartbeat(node.ctx), fails('permission_denied', /revoked/), 'a context made before the revocation is refused too');
    assert.deepEqual(await fx.core.devices.revoke(fx.admin, node.identity.deviceId), { deviceId: node.identity.deviceId, revoked: false, closedConnections: 0 });
    const view = fx.core.devices.get(fx.admin, node.identity.deviceId);
    assert.deepEqual([view.status, view.revokeReason], ['revoked', 'stolen']);
  });

  test('register: replaces platform and capabilities (sorted); bad names, duplicates and platforms → invalid_argument', async () => {
    const node = await fx.pairNode([{ name: 'echo', available: true }]);
    await fx.core.devices.register(node.ctx, { platform: 'linux-aarch64', capabilities: [{ name: 'system.health', available: true }, { name: 'desktop.open_url', available: false }] });
    const view = fx.core.devices.get(fx.admin, node.identity.deviceId);
    assert.equal(view.platform, 'linux-aarch64');
    assert.deepEqual(view.capabilities, [{ name: 'desktop.open_url', available: false }, { name: 'system.health', available: true }]);
    await assert.rejects(fx.core.devices.register(node.ctx, { platform: 'linux', capabilities: [{ name: 'Bad Name', available: true }] }), fails('invalid_argument'));
    await assert.rejects(fx.core.devices.register(node.ctx, { platform: 'linux', capabilities: [{ name: 'echo', available: true }, { name: 'echo', available: false }] }), fails('invalid_argument', /twice/));
    await assert.rejects(fx.core.devices.register(node.ctx, { platform: 'linux x86', capabilities: [] }), fails('invalid_argument', /platform/));
  });

  test('node-only calls refuse an admin context; device calls refuse a node context', async () => {
    const node = await fx.pairNode();
    assert.throws(() => fx.core.devices.heartbeat(fx.admin), fails('permission_denied', /paired node/));
    assert.throws(() => fx.core.devices.list(node.ctx), fails('permission_denied'));
    await assert.rejects(fx.core.devices.revoke(node.ctx, node.identity.deviceId), fails('permission_denied'));
  });

  test('presence: connected while the transport holds a connection; online while seen within 60 s', async () => {
    const node = await fx.pairNode();
    const id = node.identity.deviceId;
    fx.core.devices.markConnected(id);
    fx.core.devices.markConnected(id);
    fx.core.devices.markDisconnected(id);
    let view = fx.core.devices.get(fx.admin, id);
    assert.deepEqual([view.connected, view.online], [true, true]);
    fx.core.devices.markDisconnected(id);
    fx.advance(61_000);
    view = fx.core.devices.get(fx.admin, id);
    assert.deepEqual([view.connected, view.online], [false, false]);
    fx.core.devices.heartbeat(node.ctx);
    assert.equal(fx.core.devices.get(fx.admin, id).online, true);
  });
});
