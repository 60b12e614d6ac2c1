// SIGTERM after mixed TLS traffic (HTTP/2, HTTP/1.1, gRPC; clients that stopped reading, a handshake never finished): the daemon always stops, in bounded time.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { GatewayServiceClient } from '../../src/gen/palyra/gateway/v1/gateway.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { h2Get } from '../helpers/raw-http.js';
import { makeTestPki, type TestPki } from '../helpers/test-certs.js';

const ROUNDS = 20;
/** Generous for a loaded 2-core machine; a healthy stop takes well under a second, the HTTP/2 grace is 0.5 s. */
const STOP_BOUND_MS = 4_000;

/** A TLS connection that sends `bytes` once, then neither reads nor closes: a client that stopped servicing its socket. */
async function stalledTlsClient(port: number, alpn: string, bytes: Buffer | string, ca: Buffer): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: [alpn] });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  socket.write(bytes);
  // Wait until the server answered, so the request was served before the client stalls.
  await new Promise((resolve) => socket.once('data', resolve));
  socket.pause();
  return socket;
}

describe('SIGTERM after mixed TLS traffic', () => {
  let dir: string;
  let pki: TestPki;
  let ca: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'palyra-tls-stop-'));
    pki = makeTestPki(dir);
    ca = readFileSync(pki.caCert);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const tlsEnv = () => ({ PALYRA_TLS_CERT_PATH: pki.serverCert, PALYRA_TLS_KEY_PATH: pki.serverKey, PALYRA_LOG_LEVEL: 'info', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' });

  /** Stops `daemon` with SIGTERM and returns how long it took; fails the test (and kills it) past `boundMs`. */
  async function stopWithin(daemon: TestDaemon, boundMs: number): Promise<number> {
    const startedMs = Date.now();
    const killer = setTimeout(() => daemon.process.kill('SIGKILL'), boundMs + 5_000);
    const code = await daemon.stop('SIGTERM');
    clearTimeout(killer);
    const elapsedMs = Date.now() - startedMs;
    assert.equal(code, 0, `exit ${code} after ${elapsedMs} ms:\n${daemon.output().slice(-2000)}`);
    assert.match(daemon.output(), /"msg":"palyrad stopped"/);
    assert.ok(elapsedMs < boundMs, `stopped after ${elapsedMs} ms`);
    return elapsedMs;
  }

  test(`${ROUNDS} rounds of HTTP/2, HTTP/1.1 and gRPC over TLS, stalled clients and an unfinished handshake, then SIGTERM → "palyrad stopped" in < ${STOP_BOUND_MS} ms each, the stalled connection's forced close logged`, async (t) => {
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const daemon = await startDaemon({ env: tlsEnv() });
      const open: Array<{ destroy(): void }> = [];
      try {
        const port = Number(new URL(daemon.ready.http).port);
        const auth = { authorization: `Bearer ${daemon.adminToken}` };
        const session = http2.connect(daemon.ready.http, { ca });
        session.on('error', () => undefined);
        open.push(session);
        const h2Status = await new Promise<number>((resolve, reject) => {
          const stream = session.request({ ':path': '/admin/v1/status', ...auth });
          stream.once('response', (headers) => resolve(Number(headers[':status'])));
          stream.once('error', reject);
          stream.resume();
          stream.end();
        });
        assert.equal(h2Status, 200);
        const agent = new https.Agent({ ca, keepAlive: true });
        open.push(agent);
        const h1Status = await new Promise<number>((resolve, reject) => {
          https.get(`${daemon.ready.http}/admin/v1/status`, { agent, headers: auth }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          }).once('error', reject);
        });
        assert.equal(h1Status, 200);
        const gateway = new GatewayServiceClient(daemon.ready.grpc, grpc.credentials.createSsl(ca));
        open.push({ destroy: () => gateway.close() });
        await new Promise((resolve, reject) => gateway.getHealth({ v: 1 }, (error, reply) => (error ? reject(error) : resolve(reply))));
        open.push(await stalledTlsClient(port, 'h2', h2Get('/healthz', `127.0.0.1:${port}`, 'https'), ca));
        open.push(await stalledTlsClient(port, 'http/1.1', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, ca));
        const handshaking = net.connect(port, '127.0.0.1');
        handshaking.on('error', () => undefined);
        await new Promise((resolve) => handshaking.once('connect', resolve));
        open.push(handshaking);
        times.push(await stopWithin(daemon, STOP_BOUND_MS));
        assert.match(daemon.output(), /"component":"http","connections":\d+,"msg":"HTTP connections still open after the shutdown grace period; destroyed"/);
      } finally {
        for (const client of open) client.destroy();
        await daemon.stop('SIGKILL');
        removeStateDir(daemon.stateDir);
      }
    }
    assert.equal(times.length, ROUNDS);
    t.diagnostic(`stop times: median ${times.sort((a, b) => a - b)[ROUNDS >> 1]} ms, max ${times.at(-1)} ms`);
  });

  test('a gRPC connection whose client stopped reading → gRPC is forced after its grace period, the log says so, the daemon stops', async () => {
    const daemon = await startDaemon({ env: tlsEnv() });
    let stalled: tls.TLSSocket | undefined;
    try {
      const port = Number(daemon.ready.grpc.split(':').at(-1));
      stalled = await stalledTlsClient(port, 'h2', h2Get('/grpc.health.v1.Health/Check', `127.0.0.1:${port}`, 'https'), ca);
      await stopWithin(daemon, STOP_BOUND_MS);
      assert.match(daemon.output(), /"component":"grpc".*"msg":"gRPC calls still open after the grace period; forcing shutdown"/);
    } finally {
      stalled?.destroy();
      await daemon.stop('SIGKILL');
      removeStateDir(daemon.stateDir);
    }
  });
});
