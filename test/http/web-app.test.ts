// The console app on the admin port: index.html and hashed assets with their cache rules, SPA fallback, API 404s, page CSP.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('console app served by palyrad', () => {
  let daemon: TestDaemon;
  let scriptPath: string;
  before(async () => {
    daemon = await startDaemon();
    const script = readdirSync('dist/web/assets').find((name) => name.startsWith('index-') && name.endsWith('.js'));
    assert.ok(script, 'npm run build put the app in dist/web');
    scriptPath = `/assets/${script}`;
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  it('GET / → index.html, no-store, the page CSP (self scripts only, no inline, not frameable)', async () => {
    const response = await fetch(`${daemon.ready.http}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "default-src 'none'"]) assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const html = await response.text();
    assert.ok(html.includes(`src="${scriptPath}"`));
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'no inline script');
    assert.ok(!/\sstyle=/.test(html), 'no inline style');
  });

  it('deep links (/chat/<id>, /runs/x/y) → the same index.html', async () => {
    const index = await (await fetch(`${daemon.ready.http}/`)).text();
    for (const path of ['/chat/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/runs/abc/def', '/approvals?x=1']) {
      const response = await fetch(`${daemon.ready.http}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), index, path);
    }
  });

  it('a hashed asset → immutable for a year, JavaScript type; gzip when accepted', async () => {
    const plain = await fetch(`${daemon.ready.http}${scriptPath}`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(plain.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(plain.headers.get('content-encoding'), null);
    const body = await plain.text();
    // Compressed on the first request that accepts gzip, the same bytes after (curl --compressed decodes them).
    for (let i = 0; i < 2; i += 1) {
      const headers = execFileSync('curl', ['-s', '-D', '-', '-o', '/dev/null', '-H', 'accept-encoding: gzip', `${daemon.ready.http}${scriptPath}`], { encoding: 'utf8' });
      assert.match(headers, /content-encoding: gzip/i);
      assert.equal(execFileSync('curl', ['-s', '--compressed', `${daemon.ready.http}${scriptPath}`], { encoding: 'utf8' }), body);
    }
    assert.ok(body.length > 1000);
  });

  it('API prefixes keep their JSON 404 envelope; a missing asset is a 404, not the page', async () => {
    for (const path of ['/admin/v1/nope', '/console/v1/nope', '/canvas/v1/x', '/healthz/extra', '/readyz/x', '/metrics/x', '/console', '/assets/missing-123.js', '/favicon-missing.png']) {
      const response = await fetch(`${daemon.ready.http}${path}`);
      assert.equal(response.status, 404, path);
      const body = (await response.json()) as { code: string; request_id: string };
      assert.equal(body.code, 'not_found', path);
      assert.ok(body.request_id);
    }
  });

  it('HEAD / → 200 without a body; POST / → 404 envelope (the app is GET only)', async () => {
    const head = await fetch(`${daemon.ready.http}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await head.text()).length, 0);
    const post = await fetch(`${daemon.ready.http}/`, { method: 'POST' });
    assert.equal(post.status, 404);
  });

  it('the API document lists the console routes the app calls, with response schemas', async () => {
    const doc = (await (await daemon.admin('/admin/v1/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const [path, method] of [['/console/v1/runs', 'get'], ['/console/v1/api-tokens', 'post'], ['/console/v1/audit/verify', 'post'], ['/console/v1/metrics/history', 'get'], ['/console/v1/nodes', 'get']] as const) {
      const responses = doc.paths[path]?.[method]?.responses ?? {};
      assert.ok(Object.keys(responses).some((status) => status.startsWith('2')), `${method} ${path} documents a success response`);
      assert.ok('4XX' in responses, `${method} ${path} documents the error envelope`);
    }
  });
});
