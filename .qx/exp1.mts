import { webcrypto, createHmac, randomBytes, X509Certificate } from 'node:crypto';
import Logger, { LogLevel } from '@matrixai/logger';
import { QUICServer, QUICClient, events } from '@matrixai/quic';
import { loadOrCreateDaemonCa } from '/work/main/src/infra/crypto/daemon-ca.js';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/qx/ca-');
const ca = await loadOrCreateDaemonCa(dir);
const sc = await ca.issueServerCertificate();
const key = randomBytes(32);
import { generateP256Key } from '/work/main/src/infra/crypto/keys.js';
import { newId } from '/work/main/src/core/ids.js';
const dk = generateP256Key();
const dc = await ca.issueDeviceCertificate({ deviceId: newId(), publicKeySpkiDer: dk.publicKeySpkiDer, validityMs: 3600_000, nowMs: Date.now() });
const other = await loadOrCreateDaemonCa(mkdtempSync('/tmp/qx/ca2-'));
const fc = await other.issueDeviceCertificate({ deviceId: newId(), publicKeySpkiDer: dk.publicKeySpkiDer, validityMs: 3600_000, nowMs: Date.now() });
const clientCert = process.env.CERT === 'foreign' ? fc : process.env.CERT ? dc : null;

const logger = new Logger('q', LogLevel.WARN);
const server = new QUICServer({
  crypto: { key: key.buffer.slice(key.byteOffset, key.byteOffset+32), ops: {
    sign: async (k: ArrayBuffer, d: ArrayBuffer) => { const h = createHmac('sha256', Buffer.from(k)).update(Buffer.from(d)).digest(); return h.buffer.slice(h.byteOffset, h.byteOffset+h.byteLength); },
    verify: async (k: ArrayBuffer, d: ArrayBuffer, s: ArrayBuffer) => createHmac('sha256', Buffer.from(k)).update(Buffer.from(d)).digest().equals(Buffer.from(s)),
  }},
  config: { key: sc.privateKeyPem, cert: sc.chainPem, verifyPeer: true, verifyPeerOptional: true, applicationProtos: ['palyra-quic-v1'], enableEarlyData: false, initialMaxStreamsUni: 0,
    ca: ca.certificatePem, verifyCallback: async (certs: Uint8Array[]) => { console.log('server verify', certs?.length); return undefined; } },
  logger,
});
server.addEventListener(events.EventQUICServerConnection.name, (evt: any) => {
  const conn = evt.detail;
  console.log('server conn; peer certs', conn.getRemoteCertsChain?.().length);
  conn.addEventListener(events.EventQUICConnectionStream.name, async (e: any) => {
    const s = e.detail; const r = s.readable.getReader(); const w = s.writable.getWriter();
    for (;;) { const { value, done } = await r.read(); if (done) break; await w.write(value); }
    await w.close();
  });
});
await server.start({ host: '127.0.0.1', port: 0 });
console.log('port', server.port);
const client = await QUICClient.createQUICClient({ host: '127.0.0.1', port: server.port, serverName: 'palyrad-node-rpc', logger,
  crypto: { ops: { randomBytes: async (b: ArrayBuffer) => { webcrypto.getRandomValues(new Uint8Array(b)); } } },
  config: { ...(clientCert ? { key: dk.privateKeyPem, cert: clientCert.certificatePem } : {}), verifyPeer: true, applicationProtos: ['palyra-quic-v1'], verifyCallback: async (certs: Uint8Array[]) => { console.log('client verify', certs.length); return undefined; } } });
const s = client.connection.newStream();
const w = s.writable.getWriter(); await w.write(new Uint8Array([1,2,3])); await w.close();
const r = s.readable.getReader(); console.log(await r.read());
await client.destroy(); await server.stop({force:true});
