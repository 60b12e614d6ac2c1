// Responses no route produces (router and parser refusals) over HTTP/1.1 and HTTP/2: the one envelope, the security headers, the rate limit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { exchange, h2Answer, parseResponse, type RawAnswer, rawRequest } from '../helpers/raw-http.js';

const LONG_ID = 'A'.repeat(101);

/** Status, headers and body as curl saw them (`--path-as-is`: the path goes out exactly as written). */
function curl(args: string[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/curl', ['-sS', '--max-time', '10', '--path-as-is', '-i', ...args], (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl failed: ${stderr}`));
      const head = stdout.slice(0, stdout.indexOf('\r\n\r\n'));
      const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1]);
      const headers = Object.fromEntries(head.split('\r\n').slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status, headers, body: stdout.slice(head.length + 4) });
    });
  });
}

/** The answer is the error envelope with `code`, behind the security headers, and does not echo `echo` back. */
function assertRefusal(answer: RawAnswer, status: number, code: string, echo?: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.equal(answer.headers['cache-control'], 'no-store');
  assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  assert.equal(answer.headers['x-frame-options'], 'DENY');
  assert.match(answer.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.equal(body.code, code);
  for (const key of ['error', 'category', 'retryable', 'request_id']) assert.ok(key in body, `envelope has ${key}`);
  if (echo) assert.ok(!answer.body.includes(echo), `the body does not quote ${echo}`);
}

describe('router and parser refusals', () => {
  let daemon: TestDaemon;
  let port: number;
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    port = Number(new URL(daemon.ready.http).port);
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  const h1 = (path: string, extra = '') => rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${daemon.adminToken}\r\nConnection: close\r\n${extra}\r\n`);

  for (const path of ['/admin/v1/runs/%ZZ', '/healthz%ZZ']) {
    test(`HTTP/1.1 GET ${path} (bad percent-encoding) → 400 invalid_argument envelope with the security headers`, async () => {
      assertRefusal(await h1(path), 400, 'invalid_argument', '%ZZ');
    });
    test(`HTTP/2 GET ${path} → 400 invalid_argument envelope with the security headers`, async () => {
      const session = http2.connect(daemon.ready.http);
      try {
        assertRefusal(await h2Answer(session, { ':path': path, authorization: `Bearer ${daemon.adminToken}` }), 400, 'invalid_argument', '%ZZ');
      } finally {
        session.close();
      }
    });
  }

  for (const flag of ['--http1.1', '--http2-prior-knowledge']) {
    test(`curl ${flag}: bad percent-encoding → 400 envelope; a path parameter over 100 characters → 414 envelope`, async () => {
      assertRefusal(await curl([flag, `${daemon.ready.http}/healthz%ZZ`]), 400, 'invalid_argument', '%ZZ');
      assertRefusal(await curl([flag, '-H', `authorization: Bearer ${daemon.adminToken}`, `${daemon.ready.http}/admin/v1/runs/${LONG_ID}`]), 414, 'invalid_argument', LONG_ID);
    });
  }

  test('HTTP/1.1 and HTTP/2: a path parameter over 100 characters → 414 invalid_argument envelope with the security headers', async () => {
    assertRefusal(await h1(`/admin/v1/runs/${LONG_ID}`), 414, 'invalid_argument', LONG_ID);
    const session = http2.connect(daemon.ready.http);
    try {
      assertRefusal(await h2Answer(session, { ':path': `/console/v1/runs/${LONG_ID}/events` }), 414, 'invalid_argument', LONG_ID);
    } finally {
      session.close();
    }
  });

  test('HTTP/1.1 headers over 16 KiB → 431 envelope with the security headers, connection closed', async () => {
    const { received, closedByServer } = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    assertRefusal(parseResponse(received), 431, 'out_of_range');
    assert.ok(closedByServer);
  });

  test('a malformed HTTP/1.1 request line → 400 envelope with the security headers', async () => {
    assertRefusal(await rawRequest(port, 'GARBAGE\x01\x02 / NOPE\r\n\r\n'), 400, 'invalid_argument');
  });

  test('HTTP/1.1 without a Host header → 400 envelope (not Node\'s bare 400)', async () => {
    assertRefusal(await rawRequest(port, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'invalid_argument');
  });

  test('HTTP/2 body over the limit (413) and invalid JSON (400) → envelopes, and no connection header warning on stderr', async () => {
    const session = http2.connect(daemon.ready.http);
    try {
      const post = { ':method': 'POST', ':path': '/admin/v1/journal/events', authorization: `Bearer ${daemon.adminToken}`, 'content-type': 'application/json' };
      assertRefusal(await h2Answer(session, post, Buffer.alloc(100 * 1024, 'a')), 413, 'out_of_range');
      assertRefusal(await h2Answer(session, post, '{"kind":'), 400, 'invalid_argument');
      assert.equal((await h2Answer(session, { ':path': '/healthz' })).status, 200, 'the session serves on');
    } finally {
      session.close();
    }
    // A warning would be written synchronously with the response; the health check above came after it.
    assert.doesNotMatch(daemon.output(), /UnsupportedWarning|connection header/i);
  });
});

describe('rate limit on requests the router refuses', () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '20' } });
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('200 bad-URL requests in a burst → most get 429 envelopes with Retry-After and the security headers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const answer = await fetch(`${daemon.ready.http}/admin/v1/runs/%ZZ${index}`);
        return { status: answer.status, retryAfter: answer.headers.get('retry-after'), frameOptions: answer.headers.get('x-frame-options'), body: (await answer.json()) as { code: string } };
      }),
    );
    for (const answer of answers) assert.ok([400, 429].includes(answer.status), `status ${answer.status}`);
    const limited = answers.filter((answer) => answer.status === 429);
    assert.ok(limited.length >= 100, `429s: ${limited.length} of 200`);
    for (const answer of limited) {
      assert.ok(Number(answer.retryAfter) >= 1);
      assert.equal(answer.frameOptions, 'DENY');
      assert.equal(answer.body.code, 'resource_exhausted');
    }
  });
});
