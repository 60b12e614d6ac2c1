// Automatic device certificate renewal over QUIC: a node whose certificate is near expiry renews on the heartbeat's request and reconnects with the new one.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost, type NodeHostEvent } from '../../src/cli/node-host/node-host.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { loadOrCreateNodeIdentity, saveTlsCredentials, TLS_CREDENTIALS_FILE } from '../../src/infra/crypto/node-identity.js';
import { DB_FILE_NAME, openDb } from '../../src/infra/store/db.js';
import { createDeviceStore } from '../../src/infra/store/device-store.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, waitForNode } from '../helpers/node-host.js';

/**
 * Lifetime of the near-expiry certificate: the node host sends its first Heartbeat 15 s after
 * RegisterNode (the daemon's interval), and the certificate must still be valid then and a little after.
 */
const SHORT_VALIDITY_MS = 22_000;

async function until<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('device certificate renewal over QUIC', () => {
  let daemon: TestDaemon;
  let nodeDir: string;
  let deviceId: string;
  let host: NodeHost | undefined;
  let shortCert: { certificatePem: string; fingerprint: string; notAfterMs: number };
  let oldKeyPem: string;
  const events: Array<NodeHostEvent & { atMs: number }> = [];
  const links: NodeLink[] = [];

  const heartbeatWith = async (certificatePem: string, privateKeyPem: string) => {
    const pin = loadDaemonPin(nodeDir);
    const link = await dial({ host: pin.host, port: pin.port, caFingerprint: pin.caFingerprint, clientCertificate: { privateKeyPem, certificatePem }, transport: 'quic' });
    links.push(link);
    return new NodeRpcClient(link, 5_000).heartbeat({ deviceId: { ulid: deviceId }, sentAtUnixMs: Date.now(), runningTasks: 0 });
  };

  before(async () => {
    daemon = await startDaemon();
    nodeDir = makeNodeDir();
    deviceId = (await pairWithDaemon(daemon, nodeDir)).deviceId;
    // Force "near expiry": a short-lived certificate from the daemon CA for the node's own key,
    // recorded as the device's current certificate in the daemon's store, and installed on the node.
    const identity = loadOrCreateNodeIdentity(nodeDir);
    oldKeyPem = identity.tls.privateKeyPem;
    const ca = await loadOrCreateDaemonCa(daemon.stateDir);
    shortCert = await ca.issueDeviceCertificate({ deviceId, publicKeySpkiDer: identity.tls.publicKeySpkiDer, validityMs: SHORT_VALIDITY_MS, nowMs: Date.now() });
    const db = openDb(join(daemon.stateDir, DB_FILE_NAME));
    try {
      createDeviceStore(db).updateDevice(deviceId, { certFingerprint: shortCert.fingerprint, certNotAfterMs: shortCert.notAfterMs, previousCerts: [] });
    } finally {
      db.close();
    }
    saveTlsCredentials(nodeDir, { privateKeyPem: identity.tls.privateKeyPem, certificatePem: shortCert.certificatePem, caChainPem: [ca.certificatePem] });
  });

  after(async () => {
    await Promise.all(links.map((link) => link.close()));
    await host?.stop();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeNodeDir(nodeDir);
  });

  test('a certificate in the last third of its life → the heartbeat asks, the node host renews and stores the new certificate 0600', async (t) => {
    host = new NodeHost({ stateDir: nodeDir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: { initialMs: 50, maxMs: 300 }, onEvent: (e) => events.push({ ...e, atMs: Date.now() }) }).start();
    await waitForNode(daemon, deviceId, { connected: true });
    const renewed = await until(() => events.find((e) => e.type === 'certificate_renewed'), 'the renewal', SHORT_VALIDITY_MS);
    t.diagnostic(`renewed ${shortCert.notAfterMs - renewed.atMs} ms before the old certificate expires`);
    const tlsPath = join(nodeDir, TLS_CREDENTIALS_FILE);
    assert.equal(statSync(tlsPath).mode & 0o777, 0o600);
    const stored = loadOrCreateNodeIdentity(nodeDir);
    assert.ok(stored.tls.certificatePem, 'tls.pem holds a certificate');
    const storedCert = new X509Certificate(stored.tls.certificatePem);
    assert.equal(renewed.type === 'certificate_renewed' && renewed.fingerprint, storedCert.fingerprint256.replaceAll(':', '').toLowerCase());
    assert.notEqual(stored.tls.privateKeyPem, oldKeyPem, 'renewal used a fresh key');
    assert.ok(new Date(storedCert.validTo).getTime() - Date.now() > 23 * 3_600_000, `new certificate valid until ${storedCert.validTo}`);
    assert.match(readFileSync(tlsPath, 'utf8'), /BEGIN PRIVATE KEY[\s\S]*BEGIN CERTIFICATE/);
    const view = (await (await daemon.admin(`/admin/v1/nodes?limit=500`)).json()) as { nodes: Array<{ device_id: string; cert_fingerprint?: string }> };
    assert.equal(view.nodes.find((n) => n.device_id === deviceId)?.cert_fingerprint, renewed.type === 'certificate_renewed' ? renewed.fingerprint : '', 'the daemon records the new certificate as current');
  });

  test('after renewing → the node host reconnects and registers again; the new certificate is not asked to renew', async () => {
    const renewedAt = events.find((e) => e.type === 'certificate_renewed')?.atMs ?? Infinity;
    await until(() => events.find((e) => e.type === 'registered' && e.atMs > renewedAt), 'a registration after the renewal', 10_000);
    const stored = loadOrCreateNodeIdentity(nodeDir);
    const beat = await heartbeatWith(stored.tls.certificatePem ?? '', stored.tls.privateKeyPem);
    assert.equal(beat.renewCertificate, false);
  });

  test('the old certificate before its expiry → still accepted (renewal overlap)', async () => {
    assert.ok(Date.now() < shortCert.notAfterMs - 500, 'the old certificate has not expired yet');
    const beat = await heartbeatWith(shortCert.certificatePem, oldKeyPem);
    assert.ok(beat.serverTimeUnixMs > 0);
  });

  test('past the old certificate’s expiry → it is refused, while the node host, on the new certificate, keeps its connection and runs a task', async () => {
    const waitMs = shortCert.notAfterMs + 1_000 - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const old = await heartbeatWith(shortCert.certificatePem, oldKeyPem).catch((error: unknown) => error);
    assert.ok(old instanceof Error, `the expired certificate was refused: ${JSON.stringify(old)}`);
    const reconnectedAt = events.filter((e) => e.type === 'registered').at(-1)?.atMs ?? 0;
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { renewed: true } }) });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(((await response.json()) as { output: unknown }).output, { renewed: true });
    // Every update on the task channel is re-authenticated: a connection still on the expired
    // certificate would have been refused and dropped here.
    const dropped = events.filter((e) => e.type === 'disconnected' && e.atMs > reconnectedAt);
    assert.deepEqual(dropped, [], 'no disconnect since the post-renewal registration');
    const started = events.filter((e) => e.type === 'task_started');
    assert.equal(started.length, 1);
    assert.equal(started[0]?.type === 'task_started' && started[0].attempt, 1);
  });
});
