// The console renews a canvas's viewing token before it runs out: with a 10 s token the frame keeps working past its first token's expiry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConsolePage, type SignedInConsole, startSignedInConsole } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';

const TOKEN_TTL_MS = 10_000;

describe('canvas token renewal in Chromium', () => {
  let web: SignedInConsole;
  let daemon: TestDaemon;
  let console: ConsolePage;

  async function agent(prompt: string): Promise<{ session_id: string }> {
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, session_key: 'canvas-renewal' }) });
    const run = (await response.json()) as { session_id: string; state: string };
    assert.equal(run.state, 'done');
    return run;
  }

  before(async () => {
    web = await startSignedInConsole({ env: { PALYRA_CANVAS_TOKEN_TTL_MS: String(TOKEN_TTL_MS) } });
    ({ daemon, console } = web);
  });
  after(() => web?.close());

  it('a 10 s token is replaced before it expires; after the first one lapsed (and is refused) the frame still shows new versions', async () => {
    const { session_id: sessionId } = await agent('@tool palyra.canvas.create {"title":"Clock","state":{"components":[{"type":"text","text":"tick 0"}]}}');
    await console.page.goto(`/chat/${sessionId}`);
    const iframe = console.page.locator('iframe[title="Canvas: Clock"]');
    const firstSrc = (await iframe.getAttribute('src')) ?? '';
    const firstToken = new URL(firstSrc, daemon.ready.http).searchParams.get('token');
    assert.ok(firstToken);
    const mintedAt = Date.now();
    let renewedSrc = firstSrc;
    while (renewedSrc === firstSrc) {
      assert.ok(Date.now() - mintedAt < TOKEN_TTL_MS, 'the token was not renewed before it expired');
      await new Promise((resolve) => setTimeout(resolve, 100));
      renewedSrc = (await iframe.getAttribute('src')) ?? '';
    }
    // Past the first token's lifetime: it opens nothing any more.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, mintedAt + TOKEN_TTL_MS + 500 - Date.now())));
    const canvasId = /\/frame\/([0-9A-Z]{26})\?/.exec(firstSrc)?.[1];
    const stale = await fetch(`${daemon.ready.http}/canvas/v1/state/${canvasId}?token=${encodeURIComponent(firstToken)}`);
    assert.equal(stale.status, 403);
    await agent('@tool palyra.canvas.update {"state":{"components":[{"type":"text","text":"tick 1"}]}}');
    const frame = await (await iframe.elementHandle())?.contentFrame();
    assert.ok(frame);
    await frame.getByText('tick 1').waitFor({ timeout: 5_000 });
    console.assertClean();
  });
});
