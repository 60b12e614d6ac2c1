// Browser-side security of the console: another loopback origin cannot act through it, the cookie is hidden from scripts, no framing.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ConsolePage, inPage, type SignedInConsole, startSignedInConsole } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';

describe('console security in Chromium', () => {
  let web: SignedInConsole;
  let daemon: TestDaemon;
  let console: ConsolePage;
  let attacker: Server;
  let attackerOrigin: string;
  /** The page the attacker site serves: set per test. */
  let attackerHtml = '';
  before(async () => {
    web = await startSignedInConsole();
    ({ daemon, console } = web);
    // Another origin on loopback: 127.0.0.2 (a different host is a different origin and a different site).
    attacker = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(attackerHtml));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.2', resolve));
    attackerOrigin = `http://127.0.0.2:${(attacker.address() as AddressInfo).port}`;
  });
  after(async () => {
    attacker.close();
    await web.close();
  });

  it('the session cookie is HttpOnly: document.cookie does not show it, the browser holds it', async () => {
    const visible = await inPage<string>(console.page, 'document.cookie');
    assert.ok(!visible.includes('palyra_console_session'));
    const cookies = await console.context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'palyra_console_session');
    assert.ok(session?.httpOnly);
    assert.equal(session?.sameSite, 'Lax');
  });

  it('a page on 127.0.0.2 posting a form and a fetch to the console API → no token is minted', async () => {
    const target = `${daemon.ready.http}/console/v1/api-tokens`;
    attackerHtml = `<!doctype html><body><form id="f" method="POST" action="${target}" enctype="text/plain"><input name='{"name":"evil","principal":"user:evil","scopes":["*"],"x":"' value='"}'></form>
      <script>
        fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"name":"evil2","principal":"user:evil","scopes":["*"]}' }).catch(() => {});
        document.getElementById('f').submit();
      </script></body>`;
    const denials = async () => Number(/palyra_auth_denials_total\{code="permission_denied"\} (\d+)/.exec(await (await daemon.admin('/metrics')).text())?.[1] ?? 0);
    const deniedBefore = await denials();
    const page = await console.context.newPage();
    await page.goto(attackerOrigin);
    await page.waitForURL((url) => url.href.startsWith(daemon.ready.http), { timeout: 5_000 }).catch(() => undefined);
    await page.waitForTimeout(500);
    await page.close();
    const tokens = (await (await daemon.admin('/admin/v1/api-tokens?include_revoked=true')).json()) as { tokens: Array<{ name: string }> };
    assert.deepEqual(tokens.tokens.filter((token) => token.name.startsWith('evil')), []);
    // Both requests reached the daemon with the cookie and were refused (Origin / CSRF), not lost on the way.
    assert.ok((await denials()) >= deniedBefore + 2, 'the daemon refused both requests');
  });

  it('the console page refuses to be framed by another origin', async () => {
    attackerHtml = `<!doctype html><body><iframe id="frame" src="${daemon.ready.http}/chat" title="console"></iframe></body>`;
    const page = await console.context.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => blocked.push(message.text()));
    await page.goto(attackerOrigin);
    await page.waitForTimeout(1000);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    const framedContent = frame ? await inPage<string>(frame, "document.body?.innerText ?? ''").catch(() => '') : '';
    assert.ok(!framedContent.includes('Sign out'), 'the console did not render inside the frame');
    assert.ok(blocked.some((text) => /frame-ancestors|X-Frame-Options|refused/i.test(text)), blocked.join('\n'));
    await page.close();
  });
});
