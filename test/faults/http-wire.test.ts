// The admin port under malformed and abandoned traffic on raw sockets: each connection fails alone, the daemon keeps serving.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { consoleLogin, type ConsoleSession } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { exchange, H2_PREFACE, h2Frame } from '../helpers/raw-http.js';

/** The frame types in a server's HTTP/2 byte stream (after its own SETTINGS). */
function frameTypes(bytes: Buffer): number[] {
  const types: number[] = [];
  for (let offset = 0; offset + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(offset, 3);
    types.push(bytes[offset + 3] as number);
    offset += 9 + length;
  }
  return types;
}

const GOAWAY = 0x7;

describe('admin port: malformed and abandoned connections', () => {
  let daemon: TestDaemon;
  let port: number;
  let signedIn: ConsoleSession;

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000', PALYRA_HTTP_REQUEST_TIMEOUT_MS: '1500', PALYRA_HTTP_IDLE_TIMEOUT_MS: '1500' } });
    port = Number(new URL(daemon.ready.http).port);
    signedIn = await consoleLogin(daemon, 'admin:wire');
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  async function stillServing(): Promise<void> {
    assert.equal((await fetch(`${daemon.ready.http}/healthz`)).status, 200);
    assert.equal((await daemon.admin('/admin/v1/status')).status, 200);
  }

  test('a garbage HTTP/1.1 request line → 400 and the connection closed', async () => {
    const { received, closedByServer } = await exchange(port, 'GARBAGE\x01\x02 / NOPE\r\n\r\n');
    assert.match(received.toString('latin1'), /^HTTP\/1\.1 400 /);
    assert.ok(closedByServer);
    await stillServing();
  });

  test('HTTP/1.1 headers over 16 KiB → 431 and the connection closed', async () => {
    const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`;
    const { received, closedByServer } = await exchange(port, request);
    assert.match(received.toString('latin1'), /^HTTP\/1\.1 431 /);
    assert.ok(closedByServer);
    await stillServing();
  });

  test('the HTTP/2 preface followed by a frame on stream 0 that must not be there → GOAWAY, closed by the idle timeout at the latest', async () => {
    // A DATA frame on stream 0 is a connection error of type PROTOCOL_ERROR (RFC 9113 §6.1).
    const bytes = Buffer.concat([H2_PREFACE, h2Frame(0x4, 0, 0, Buffer.alloc(0)), h2Frame(0x0, 0, 0, Buffer.from('x'))]);
    const { received, closedByServer } = await exchange(port, bytes);
    assert.ok(frameTypes(received).includes(GOAWAY), `frames: ${frameTypes(received).join(',')}`);
    assert.ok(closedByServer);
    await stillServing();
  });

  test('the HTTP/2 preface followed by random bytes → GOAWAY and close', async () => {
    const noise = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 131 + 7) % 256));
    const { received, closedByServer } = await exchange(port, Buffer.concat([H2_PREFACE, noise]));
    assert.ok(frameTypes(received).includes(GOAWAY), `frames: ${frameTypes(received).join(',')}`);
    assert.ok(closedByServer);
    await stillServing();
  });

  test('a body that never completes (Content-Length 1000, 10 bytes sent) → 408 and closed after request_timeout_ms; nothing executed', async () => {
    const before = (await (await daemon.admin('/admin/v1/journal/events?limit=1000')).json()) as { events: unknown[] };
    const partial = `POST /admin/v1/journal/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${daemon.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"kind":"x`;
    const startedMs = Date.now();
    const { received, closedByServer } = await exchange(port, partial, 10_000);
    assert.ok(closedByServer);
    assert.match(received.toString('latin1'), /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - startedMs >= 1_400, `closed after ${Date.now() - startedMs} ms`);
    await stillServing();
    const afterCut = (await (await daemon.admin('/admin/v1/journal/events?limit=1000')).json()) as { events: unknown[] };
    assert.equal(afterCut.events.length, before.events.length);
  });

  test('headers sent a byte at a time, never finished (slowloris) → 408 and closed after request_timeout_ms', async () => {
    const startedMs = Date.now();
    const result = await new Promise<{ received: string; closedByServer: boolean }>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      const text = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(200);
      let index = 0;
      const drip = setInterval(() => {
        if (index < text.length && !socket.destroyed) socket.write(text[index++] as string);
      }, 20);
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        resolve({ received, closedByServer: true });
      });
      setTimeout(() => {
        clearInterval(drip);
        socket.destroy();
        resolve({ received, closedByServer: false });
      }, 10_000);
    });
    assert.ok(result.closedByServer, 'the server closed the dripping connection');
    assert.match(result.received, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - startedMs < 6_000);
    await stillServing();
  });

  test('an HTTP/2 request body trickled on one stream while another keeps the session busy → that stream is reset after request_timeout_ms', async () => {
    const session = http2.connect(daemon.ready.http);
    session.on('error', () => undefined);
    try {
      const startedMs = Date.now();
      const slow = session.request({ ':method': 'POST', ':path': '/admin/v1/journal/events', authorization: `Bearer ${daemon.adminToken}`, 'content-type': 'application/json', 'content-length': '1000' });
      slow.on('error', () => undefined);
      slow.write('{"kind":');
      const drip = setInterval(() => {
        if (!slow.closed) slow.write(' ');
      }, 200);
      // Requests on other streams of the same session keep it from idling out.
      const busy = setInterval(() => {
        const ping = session.request({ ':path': '/healthz' });
        ping.on('error', () => undefined);
        ping.resume();
        ping.end();
      }, 300);
      const code = await new Promise<number | 'still open'>((resolve) => {
        const giveUp = setTimeout(() => resolve('still open'), 8_000);
        slow.once('close', () => {
          clearTimeout(giveUp);
          resolve(slow.rstCode ?? -1);
        });
      });
      clearInterval(drip);
      clearInterval(busy);
      assert.equal(code, http2.constants.NGHTTP2_CANCEL);
      assert.ok(Date.now() - startedMs >= 1_400, `reset after ${Date.now() - startedMs} ms`);
      const healthy = session.request({ ':path': '/healthz' });
      const status = await new Promise<number>((resolve) => healthy.once('response', (headers) => resolve(Number(headers[':status']))));
      healthy.resume();
      assert.equal(status, 200, 'the session itself serves on');
    } finally {
      session.close();
    }
    await stillServing();
  });

  test('an SSE subscriber that vanishes mid-run → its stream is released (open-streams gauge back down)', async () => {
    const run = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: '@tokens 200\n@slow 20', wait: false }) });
    assert.equal(run.status, 202, await run.clone().text());
    const runId = ((await run.json()) as { run_id: string }).run_id;
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.write(`GET /console/v1/runs/${runId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: ${signedIn.cookie}\r\n\r\n`);
          });
          socket.once('data', () => resolve(socket));
        }),
      ),
    );
    const gauge = async () => Number(/palyra_open_streams\{transport="http",kind="sse"\} (\d+)/.exec(await (await daemon.admin('/metrics')).text())?.[1] ?? 0);
    assert.ok((await gauge()) >= 5);
    for (const socket of sockets) socket.destroy();
    const deadline = Date.now() + 3_000;
    while ((await gauge()) > 0) {
      assert.ok(Date.now() < deadline, 'streams of vanished subscribers were not released');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await daemon.admin(`/admin/v1/runs/${runId}/cancel`, { method: 'POST', body: '{}' });
  });

  test('a cleartext connection that never sends a byte is dropped after request_timeout_ms', async () => {
    const startedMs = Date.now();
    const { closedByServer } = await exchange(port, Buffer.alloc(0), 10_000);
    assert.ok(closedByServer, 'the server closed the silent connection');
    assert.ok(Date.now() - startedMs >= 1_400, `closed after ${Date.now() - startedMs} ms`);
  });

  test('an HTTP/2 connection that goes quiet after its preface is closed after idle_timeout_ms', async () => {
    const startedMs = Date.now();
    const { received, closedByServer } = await exchange(port, Buffer.concat([H2_PREFACE, h2Frame(0x4, 0, 0, Buffer.alloc(0))]), 10_000);
    assert.ok(closedByServer, 'the server closed the idle session');
    assert.ok(frameTypes(received).includes(GOAWAY), `frames: ${frameTypes(received).join(',')}`);
    assert.ok(Date.now() - startedMs >= 1_400, `closed after ${Date.now() - startedMs} ms`);
  });
});
