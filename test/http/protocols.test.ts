// One port, two protocols: HTTP/1.1 and HTTP/2 (cleartext prior knowledge and TLS ALPN), Node clients and curl; graceful shutdown.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { consoleLogin, cookiePair, TEST_DEVICE_ID } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { h2Answer, type RawAnswer } from '../helpers/raw-http.js';

/** One HTTP/2 request; a body goes out as JSON unless `headers` name another content type. */
function h2Request(session: http2.ClientHttp2Session, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  return h2Answer(session, { ':method': method, ':path': path, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body);
}

/** curl with the given protocol flag; returns status, the HTTP version curl used, and the body. */
function curl(args: string[]): Promise<{ status: number; version: string; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/curl', ['-sS', '--max-time', '10', '-w', '\n%{http_code} %{http_version}', ...args], (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl failed: ${stderr}`));
      const cut = stdout.lastIndexOf('\n');
      const [status, version] = stdout.slice(cut + 1).split(' ');
      resolve({ status: Number(status), version: version as string, body: stdout.slice(0, cut) });
    });
  });
}

describe('HTTP/1.1 and HTTP/2 in cleartext on one port', () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('curl supports HTTP/2 here', () => {
    assert.match(execFileSync('/usr/bin/curl', ['--version']).toString(), /HTTP2/);
  });

  for (const [flag, version] of [
    ['--http1.1', '1.1'],
    ['--http2-prior-knowledge', '2'],
  ] as const) {
    test(`curl ${flag} → served as HTTP/${version}: status, a run, login + CSRF'd POST, SSE`, async () => {
      const auth = ['-H', `authorization: Bearer ${daemon.adminToken}`];
      const status = await curl([flag, ...auth, `${daemon.ready.http}/admin/v1/status`]);
      assert.deepEqual([status.status, status.version], [200, version]);
      assert.equal((JSON.parse(status.body) as { service: string }).service, 'palyrad');
      const run = await curl([flag, ...auth, '-H', 'content-type: application/json', '-d', '{"prompt":"over curl"}', `${daemon.ready.http}/admin/v1/runs`]);
      assert.equal(run.status, 200);
      const runId = (JSON.parse(run.body) as { run_id: string; state: string }).run_id;
      const login = await curl([
        flag,
        '-i',
        '-H',
        'content-type: application/json',
        '-d',
        JSON.stringify({ admin_token: daemon.adminToken, principal: 'admin:curl', device_id: TEST_DEVICE_ID }),
        `${daemon.ready.http}/console/v1/auth/login`,
      ]);
      assert.equal(login.status, 200);
      const cookie = cookiePair(/^set-cookie: (.*)$/im.exec(login.body)?.[1] ?? null);
      const csrf = (/"csrf_token":"([^"]+)"/.exec(login.body) as RegExpExecArray)[1] as string;
      const created = await curl([flag, '-H', `cookie: ${cookie}`, '-H', `x-palyra-csrf-token: ${csrf}`, '-H', 'content-type: application/json', '-d', '{}', `${daemon.ready.http}/console/v1/sessions`]);
      assert.equal(created.status, 201);
      const sse = await curl([flag, '-N', '-H', `cookie: ${cookie}`, '-H', 'accept: text/event-stream', `${daemon.ready.http}/console/v1/runs/${runId}/events`]);
      assert.equal(sse.status, 200);
      const ids = [...sse.body.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
      assert.deepEqual(ids, ids.map((_, index) => index));
      assert.ok(ids.length >= 4);
    });
  }

  test('curl --http2 (Upgrade) is served as HTTP/1.1 rather than failing', async () => {
    const answer = await curl(['--http2', `${daemon.ready.http}/healthz`]);
    assert.deepEqual([answer.status, answer.version], [200, '1.1']);
  });

  test('Node http2 client (prior knowledge) → same answers as fetch over HTTP/1.1', async () => {
    const session = http2.connect(daemon.ready.http);
    try {
      const auth = { authorization: `Bearer ${daemon.adminToken}` };
      const h2status = await h2Request(session, 'GET', '/admin/v1/status', auth);
      const h1status = await daemon.admin('/admin/v1/status');
      assert.equal(h2status.status, h1status.status);
      assert.deepEqual(Object.keys(JSON.parse(h2status.body) as object), Object.keys((await h1status.json()) as object));
      assert.equal(h2status.headers['x-frame-options'], 'DENY');
      assert.equal(h2status.headers['cache-control'], 'no-store');
      assert.equal((await h2Request(session, 'GET', '/admin/v1/status')).status, 401);
      assert.equal((await h2Request(session, 'POST', '/admin/v1/runs', { ...auth, origin: 'https://evil.example' }, '{"prompt":"x"}')).status, 403);
      assert.equal((await h2Request(session, 'POST', '/admin/v1/runs', { ...auth, 'content-type': 'text/plain' }, 'x')).status, 415);
      const many = await Promise.all(Array.from({ length: 20 }, () => h2Request(session, 'GET', '/healthz')));
      assert.deepEqual(new Set(many.map((answer) => answer.status)), new Set([200]));
      const console = await consoleLogin(daemon);
      const sessions = await h2Request(session, 'GET', '/console/v1/sessions', { cookie: console.cookie });
      assert.equal(sessions.status, 200);
      const runId = (JSON.parse((await h2Request(session, 'POST', '/admin/v1/runs', auth, '{"prompt":"h2 run"}')).body) as { run_id: string }).run_id;
      const sse = await h2Request(session, 'GET', `/console/v1/runs/${runId}/events`, { cookie: console.cookie, accept: 'text/event-stream' });
      assert.equal(sse.status, 200);
      assert.equal(sse.headers.connection, undefined);
      assert.equal(sse.headers['transfer-encoding'], undefined);
      assert.match(sse.body, /^id: 0$/m);
    } finally {
      session.close();
    }
  });
});

describe('HTTPS with ALPN (ECDSA P-256 certificate)', () => {
  let daemon: TestDaemon;
  let dir: string;
  let ca: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palyra-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    daemon = await startDaemon({ env: { PALYRA_TLS_CERT_PATH: join(dir, 'cert.pem'), PALYRA_TLS_KEY_PATH: join(dir, 'key.pem'), PALYRA_HTTP_REQUEST_TIMEOUT_MS: '2000' } });
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the ready URL is https', () => {
    assert.match(daemon.ready.http, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  for (const [offered, chosen] of [
    [['h2', 'http/1.1'], 'h2'],
    [['http/1.1'], 'http/1.1'],
  ] as const) {
    test(`client offers ${offered.join(',')} → ALPN selects ${chosen}`, async () => {
      const url = new URL(daemon.ready.http);
      const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca, ALPNProtocols: [...offered] });
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      assert.equal(socket.alpnProtocol, chosen);
      socket.destroy();
    });
  }

  test('over TLS too, an HTTP/1.1 body that never completes → 408 and closed after request_timeout_ms; a silent handshake is dropped', async () => {
    const url = new URL(daemon.ready.http);
    const startedMs = Date.now();
    const answer = await new Promise<{ text: string; closedByServer: boolean }>((resolve) => {
      const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca, ALPNProtocols: ['http/1.1'] }, () => {
        socket.write(`POST /admin/v1/journal/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${daemon.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"ki`);
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ text, closedByServer: true }));
      setTimeout(() => {
        socket.destroy();
        resolve({ text, closedByServer: false });
      }, 8_000);
    });
    assert.ok(answer.closedByServer);
    assert.match(answer.text, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - startedMs >= 1_900, `closed after ${Date.now() - startedMs} ms`);

    const handshakeStartedMs = Date.now();
    const silent = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname);
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(true));
      setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 8_000);
    });
    assert.ok(silent, 'a TCP connection that never starts TLS is closed');
    assert.ok(Date.now() - handshakeStartedMs >= 1_900);
  });

  test('curl over TLS: --http2 → HTTP/2, --http1.1 → HTTP/1.1; Node http2 client works', async () => {
    const cert = join(dir, 'cert.pem');
    const h2 = await curl(['--cacert', cert, '--http2', `${daemon.ready.http}/healthz`]);
    assert.deepEqual([h2.status, h2.version], [200, '2']);
    const h1 = await curl(['--cacert', cert, '--http1.1', `${daemon.ready.http}/healthz`]);
    assert.deepEqual([h1.status, h1.version], [200, '1.1']);
    const session = http2.connect(daemon.ready.http, { ca });
    try {
      const answer = await h2Request(session, 'GET', '/admin/v1/status', { authorization: `Bearer ${daemon.adminToken}` });
      assert.equal(answer.status, 200);
      assert.match(answer.headers['strict-transport-security'] ?? '', /max-age=/);
    } finally {
      session.close();
    }
  });

  test('login over TLS → the session cookie is Secure', async () => {
    const cookie = await curl([
      '--cacert', join(dir, 'cert.pem'), '-i', '-H', 'content-type: application/json',
      '-d', JSON.stringify({ admin_token: daemon.adminToken, principal: 'admin:tls', device_id: TEST_DEVICE_ID }),
      `${daemon.ready.http}/console/v1/auth/login`,
    ]);
    assert.equal(cookie.status, 200);
    assert.match(/^set-cookie: (.*)$/im.exec(cookie.body)?.[1] ?? '', /; HttpOnly; SameSite=Lax; Secure\s*$/);
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM with open SSE streams (HTTP/1.1 and HTTP/2) → streams end and the daemon exits in < 2 s', async () => {
    const daemon = await startDaemon();
    try {
      const run = (await (await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: '@tokens 100000\n@slow 100', wait: false }) })).json()) as { run_id: string };
      const console = await consoleLogin(daemon);
      const h1 = await console.request(`/runs/${run.run_id}/events`, { headers: { accept: 'text/event-stream' } });
      const h1Done = h1.text().then(
        () => 'ended',
        () => 'ended',
      );
      const session = http2.connect(daemon.ready.http);
      session.on('error', () => undefined);
      const h2Done = h2Request(session, 'GET', `/console/v1/runs/${run.run_id}/events`, { cookie: console.cookie, accept: 'text/event-stream' }).then(
        () => 'ended',
        () => 'ended',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      const code = await daemon.stop('SIGTERM');
      const elapsed = Date.now() - started;
      assert.equal(code, 0);
      assert.ok(elapsed < 2000, `shutdown took ${elapsed} ms`);
      assert.deepEqual(await Promise.all([h1Done, h2Done]), ['ended', 'ended']);
      session.destroy();
    } finally {
      await daemon.stop();
      removeStateDir(daemon.stateDir);
    }
  });
});
