// palyra.http.fetch against loopback servers: blocking, allow-lists, redirects, caps, pinning, abort.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createHttpFetchTool, type HttpFetchConfig } from '../../src/core/tools/builtin/http-fetch.js';
import { sendPinned } from '../../src/core/net/pinned-request.js';
import type { ToolContext, ToolOutcome } from '../../src/core/tools/tool.js';

interface FetchOutput {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
}

const hits: string[] = [];
let origin = '';
let otherOrigin = '';
let port = 0;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  hits.push(req.url ?? '');
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/hello':
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('x-test', 'yes');
        res.end('hello');
        return;
      case '/big':
        res.end('a'.repeat(Number(url.searchParams.get('n') ?? '10000')));
        return;
      case '/echo':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
        return;
      case '/redirect':
        res.statusCode = Number(url.searchParams.get('status') ?? '302');
        res.setHeader('location', url.searchParams.get('to') ?? '/hello');
        res.end();
        return;
      case '/loop':
        res.statusCode = 302;
        res.setHeader('location', '/loop');
        res.end();
        return;
      case '/hang':
        return;
      default:
        res.statusCode = 404;
        res.end('not found');
    }
  });
}

const servers = [http.createServer(handler), http.createServer(handler)];

before(async () => {
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    ),
  );
  port = ports[0] ?? 0;
  origin = `http://127.0.0.1:${port}`;
  otherOrigin = `http://127.0.0.1:${ports[1] ?? 0}`;
});

after(() => {
  for (const server of servers) server.closeAllConnections();
  for (const server of servers) server.close();
});

function context(signal: AbortSignal = new AbortController().signal): ToolContext {
  return { runId: '01J0000000000000000000000R', sessionId: '01J0000000000000000000000S', owner: { principal: 'user:test', deviceId: '01J0000000000000000000000D', channel: null }, signal };
}

const closed: HttpFetchConfig = { allowPrivateNetworks: false, allowedHosts: [], maxBytes: 1024 * 1024 };
const loopbackAllowed: HttpFetchConfig = { ...closed, allowedHosts: ['127.0.0.1'] };
const privateAllowed: HttpFetchConfig = { ...closed, allowPrivateNetworks: true };

function fetchWith(config: HttpFetchConfig, input: Record<string, unknown>, signal?: AbortSignal): Promise<ToolOutcome> {
  return createHttpFetchTool(config).execute(input, context(signal));
}

function output(outcome: ToolOutcome): FetchOutput {
  assert.equal(outcome.success, true, outcome.error);
  return outcome.output as FetchOutput;
}

describe('palyra.http.fetch: destinations', () => {
  const refused: Array<[string, HttpFetchConfig, () => string]> = [
    ['127.0.0.1 by default', closed, () => `${origin}/hello`],
    ['localhost (resolved by DNS) by default', closed, () => `http://localhost:${port}/hello`],
    ['::ffff:127.0.0.1 by default', closed, () => `http://[::ffff:127.0.0.1]:${port}/hello`],
    ['127.0.0.1 written as a decimal integer', closed, () => `http://2130706433:${port}/hello`],
    ['0.0.0.0 even with private networks allowed', privateAllowed, () => `http://0.0.0.0:${port}/hello`],
    ['localhost when only 127.0.0.1 is an allowed host', loopbackAllowed, () => `http://localhost:${port}/hello`],
  ];
  for (const [name, config, url] of refused) {
    test(`${name} → refused before connecting`, async () => {
      hits.length = 0;
      const outcome = await fetchWith(config, { url: url() });
      assert.equal(outcome.success, false);
      assert.match(outcome.error ?? '', /^blocked_address: .*; the operator can permit it with tools\.http_allowed_hosts in palyra\.toml or tools\.http_allow_private$/);
      assert.deepEqual(hits, []);
    });
  }

  test('127.0.0.1 listed in allowedHosts → fetched; set-cookie removed', async () => {
    const result = output(await fetchWith(loopbackAllowed, { url: `${origin}/hello` }));
    assert.equal(result.status, 200);
    assert.equal(result.body, 'hello');
    assert.equal(result.truncated, false);
    assert.equal(result.headers['x-test'], 'yes');
    assert.equal(result.headers['set-cookie'], undefined);
    assert.equal(result.url, `${origin}/hello`);
  });

  test('allowPrivateNetworks → loopback fetched', async () => {
    assert.equal(output(await fetchWith(privateAllowed, { url: `${origin}/hello` })).body, 'hello');
  });

  test('file: and ftp: URLs → refused as unsupported schemes', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/x']) {
      const outcome = await fetchWith(privateAllowed, { url });
      assert.equal(outcome.success, false);
      assert.match(outcome.error ?? '', /unsupported scheme/);
    }
  });

  test('a host that does not resolve → dns lookup failure', async () => {
    const outcome = await fetchWith(closed, { url: 'http://no-such-host.invalid/' });
    assert.equal(outcome.success, false);
    assert.match(outcome.error ?? '', /dns lookup failed for no-such-host\.invalid/);
  });
});

describe('palyra.http.fetch: redirects', () => {
  test('same-origin redirect → followed', async () => {
    const result = output(await fetchWith(loopbackAllowed, { url: `${origin}/redirect?to=/hello` }));
    assert.equal(result.body, 'hello');
    assert.equal(result.url, `${origin}/hello`);
  });

  test('redirect from an allowed host to a blocked one → refused, the blocked URL never reached', async () => {
    hits.length = 0;
    const to = encodeURIComponent(`http://localhost:${port}/echo?secret`);
    const outcome = await fetchWith(loopbackAllowed, { url: `${origin}/redirect?to=${to}` });
    assert.equal(outcome.success, false);
    assert.match(outcome.error ?? '', /^blocked_address: localhost resolves to/);
    assert.deepEqual(hits, [`/redirect?to=${to}`]);
  });

  test('redirect to another origin → caller headers dropped', async () => {
    const to = encodeURIComponent(`${otherOrigin}/echo`);
    const result = output(await fetchWith(loopbackAllowed, { url: `${origin}/redirect?to=${to}`, headers: { Authorization: 'Bearer s3cret' } }));
    const seen = JSON.parse(result.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['authorization'], undefined);
  });

  test('303 after POST → GET without body; 307 → POST kept', async () => {
    const seeOther = output(await fetchWith(loopbackAllowed, { url: `${origin}/redirect?status=303&to=/echo`, method: 'POST', body: 'x=1' }));
    assert.deepEqual(JSON.parse(seeOther.body).method, 'GET');
    assert.equal(JSON.parse(seeOther.body).body, '');
    const temporary = output(await fetchWith(loopbackAllowed, { url: `${origin}/redirect?status=307&to=/echo`, method: 'POST', body: 'x=1' }));
    assert.equal(JSON.parse(temporary.body).method, 'POST');
    assert.equal(JSON.parse(temporary.body).body, 'x=1');
  });

  test('redirect loop → refused after 5 redirects (6 requests)', async () => {
    hits.length = 0;
    const outcome = await fetchWith(loopbackAllowed, { url: `${origin}/loop` });
    assert.equal(outcome.success, false);
    assert.match(outcome.error ?? '', /too many redirects/);
    assert.equal(hits.length, 6);
  });
});

describe('palyra.http.fetch: requests and bodies', () => {
  test('max_bytes=100 on a 10000-byte body → 100 bytes, truncated', async () => {
    const result = output(await fetchWith(loopbackAllowed, { url: `${origin}/big`, max_bytes: 100 }));
    assert.equal(result.body, 'a'.repeat(100));
    assert.equal(result.truncated, true);
  });

  test('config maxBytes caps the body when max_bytes is absent; an exact fit is not truncated', async () => {
    const small = { ...loopbackAllowed, maxBytes: 1_000 };
    const capped = output(await fetchWith(small, { url: `${origin}/big?n=5000` }));
    assert.equal(capped.body.length, 1_000);
    assert.equal(capped.truncated, true);
    const exact = output(await fetchWith(small, { url: `${origin}/big?n=1000` }));
    assert.equal(exact.body.length, 1_000);
    assert.equal(exact.truncated, false);
  });

  test('POST body and caller headers arrive; Host and encoding stay the tool\'s', async () => {
    const result = output(
      await fetchWith(loopbackAllowed, {
        url: `${origin}/echo`,
        method: 'POST',
        body: 'payload ✓',
        headers: { 'X-Custom': '1', Host: 'evil.example', 'Accept-Encoding': 'gzip' },
      }),
    );
    const seen = JSON.parse(result.body) as { method: string; body: string; headers: Record<string, string> };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, 'payload ✓');
    assert.equal(seen.headers['x-custom'], '1');
    assert.equal(seen.headers['host'], `127.0.0.1:${port}`);
    assert.equal(seen.headers['accept-encoding'], 'identity');
  });

  test('HEAD → status and headers, empty body', async () => {
    const result = output(await fetchWith(loopbackAllowed, { url: `${origin}/hello`, method: 'HEAD' }));
    assert.equal(result.status, 200);
    assert.equal(result.body, '');
  });

  test('body with GET → refused', async () => {
    const outcome = await fetchWith(loopbackAllowed, { url: `${origin}/echo`, body: 'x' });
    assert.equal(outcome.success, false);
    assert.match(outcome.error ?? '', /only allowed with POST/);
  });

  test('abort while the server stalls → aborted within 100 ms', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const startedAt = performance.now();
    const outcome = await fetchWith(loopbackAllowed, { url: `${origin}/hang` }, controller.signal);
    assert.equal(outcome.success, false);
    assert.equal(outcome.error, 'aborted');
    assert.ok(performance.now() - startedAt < 150);
  });

  test('tool flags: not read-only, not always-ask', () => {
    const tool = createHttpFetchTool(closed);
    assert.equal(tool.readOnly, false);
    assert.equal(tool.alwaysAsk, false);
  });
});

describe('sendPinned', () => {
  test('connects to the vetted address whatever the host name resolves to', async () => {
    const response = await sendPinned({
      url: new URL(`http://rebind.invalid:${port}/echo`),
      method: 'GET',
      headers: {},
      target: { address: '127.0.0.1', family: 4 },
      maxBytes: 10_000,
      signal: new AbortController().signal,
    });
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body.toString('utf8')).headers.host, `rebind.invalid:${port}`);
  });
});
