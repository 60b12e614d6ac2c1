// The canvas pane in Chromium: live versions from an agent run, XSS attempts inert, the frame isolated, a form reaching the agent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { type ConsolePage, inPage, type SignedInConsole, startSignedInConsole } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';

const XSS_MARK = 'window.top.postMessage("xss", "*")';
const XSS_STATE = {
  title: '<img src=x onerror=alert(1)>',
  components: [
    { type: 'text', text: `<img src=x onerror='${XSS_MARK}'>` },
    { type: 'markdown', text: `# <script>${XSS_MARK}</script>\n[click](javascript:${XSS_MARK})\n<img src=x onerror='${XSS_MARK}'>\n<svg onload='${XSS_MARK}'><script>${XSS_MARK}</script></svg>` },
    { type: 'table', columns: ['<b onmouseover=x>'], rows: [[`<svg/onload=${XSS_MARK}>`]] },
    { type: 'image', asset: `javascript:${XSS_MARK}`, alt: 'x' },
    { type: 'image', asset: 'evil.svg', alt: 'svg with a script' },
    { type: 'kv', items: [{ key: '<iframe src=javascript:alert(1)>', value: '"><script>alert(1)</script>' }] },
  ],
};
const EVIL_SVG = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><script>${XSS_MARK}</script><rect width="4" height="4"/></svg>`).toString('base64');

describe('canvas pane in Chromium', () => {
  let web: SignedInConsole;
  let daemon: TestDaemon;
  let console: ConsolePage;
  let sessionId: string;

  async function agent(prompt: string): Promise<string> {
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, session_key: 'canvas-e2e' }) });
    const run = (await response.json()) as { run_id: string; session_id: string; state: string };
    assert.equal(run.state, 'done');
    sessionId = run.session_id;
    return run.run_id;
  }

  /** The reply of a run started by a canvas action, once the built-in model has given it. */
  async function replyOf(runId: string): Promise<string> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const tape = (await (await daemon.admin(`/admin/v1/runs/${runId}/tape`)).json()) as { events: { event_type: string; payload: { reply_text?: string } }[] };
      const reply = tape.events.find((event) => event.event_type === 'message.replied')?.payload.reply_text;
      if (reply) return reply;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${runId} gave no reply within 5 s`);
  }

  async function canvasFrame(title: string, tab = title): Promise<Frame> {
    await console.page.getByRole('tab', { name: tab, exact: true }).click();
    const handle = await console.page.locator(`iframe[title="Canvas: ${title}"]`).elementHandle();
    const frame = await handle?.contentFrame();
    assert.ok(frame);
    await frame.locator('form').waitFor();
    return frame;
  }

  before(async () => {
    web = await startSignedInConsole({
      env: { PALYRA_RUNS_MAX_TOOL_CALLS: '64', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '10000' },
      allow: [
        // The image component pointing outside the bundle path is refused by the runtime, not requested; the
        // frame's own refusals of script-y content show up as CSP reports, which are the point of the test.
        'Content Security Policy',
        // The frame-script probe's attempt to navigate the top window, refused by the sandbox (what it tests).
        'The frame attempting navigation of the top-level window is sandboxed',
      ],
    });
    ({ daemon, console } = web);
  });
  after(() => web?.close());

  it('an agent run creates a canvas, updates it 20 times and patches it → the pane shows every version in order, each within 100 ms (one stall of the machine allowed)', async (t) => {
    const create = (title: string): Promise<string> => agent(`@tool palyra.canvas.create {"title":"${title}","state":{"components":[{"type":"progress","label":"done","value":0}]}}`);
    await create('Progress');
    await console.page.goto(`/chat/${sessionId}`);
    // Versions 2 and up: the updates of the canvas being measured (version 1 is its creation).
    await inPage(console.page, `window.__rendered = []; window.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'palyra.canvas.rendered' && event.data.version >= 2) window.__rendered.push({ version: event.data.version, lagMs: Date.now() - event.data.updated_at_unix_ms });
    }); 0`);
    /** The session's newest canvas through 21 more versions; the lag of each as the page measured it. */
    const measure = async (title: string): Promise<number[]> => {
      await canvasFrame(title);
      await inPage(console.page, 'window.__rendered.length = 0');
      const updates = Array.from({ length: 20 }, (_, i) => `@tool palyra.canvas.update {"state":{"components":[{"type":"progress","label":"done","value":${(i + 1) * 5}},{"type":"bar_chart","labels":["a","b"],"values":[${i},${20 - i}]}]}}`);
      await agent([...updates, '@tool palyra.canvas.patch {"patch":[{"op":"add","path":"/components/-","value":{"type":"heading","text":"Finished"}}]}'].join('\n'));
      // Polled from the test: waitForFunction with source text is eval in the page, which the console's CSP forbids.
      for (let waited = 0; (await inPage<number>(console.page, 'window.__rendered.length')) < 21; waited += 50) {
        assert.ok(waited < 10_000, 'the 21 versions did not all reach the page');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const rendered = await inPage<{ version: number; lagMs: number }[]>(console.page, 'window.__rendered');
      assert.deepEqual(rendered.map((entry) => entry.version), Array.from({ length: 21 }, (_, i) => i + 2));
      const frame = await canvasFrame(title);
      assert.equal(await frame.locator('h2').textContent(), 'Finished');
      return rendered.map((entry) => entry.lagMs);
    };
    // The shared 2-core CI machine runs Chromium, the daemon and another test file at once: one version
    // may meet a stall of the machine (seen: a single 124 ms among 21 versions under 45 ms). A slow canvas
    // path (polling, a reload per version) delays every version, so a pass allows one stall, bounded, and
    // a failed pass is measured once more.
    const withinBound = (lags: number[]) => lags.filter((lag) => lag > 100).length <= 1 && Math.max(...lags) <= 300;
    let lags = await measure('Progress');
    if (!withinBound(lags)) {
      t.diagnostic(`first pass over the bound (${lags.join(' ')}); measured again`);
      await create('Progress again');
      lags = await measure('Progress again');
    }
    assert.ok(withinBound(lags), `versions reached the page later than 100 ms after their update more than once, or one over 300 ms (${lags.join(' ')})`);
    console.assertClean();
  });

  it('XSS attempts in state (img onerror, javascript: link, SVG with script, raw HTML in markdown) → shown as text, nothing runs', async () => {
    await agent(`@tool palyra.canvas.create ${JSON.stringify({ title: 'Hostile', state: XSS_STATE, assets: [{ path: 'evil.svg', content_type: 'image/svg+xml', base64: EVIL_SVG }] })}`);
    await inPage(console.page, `window.__xss = 0; window.addEventListener('message', (event) => { if (event.data === 'xss') window.__xss += 1; }); window.alert = () => { window.__xss += 1; }; 0`);
    const frame = await canvasFrame('Hostile');
    await frame.locator('img[alt="svg with a script"]').evaluate('(img) => img.complete || new Promise((resolve) => img.addEventListener("load", resolve))');
    const counts = await inPage<Record<string, number>>(frame, `({
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      svg: document.querySelectorAll('main svg').length,
      links: [...document.querySelectorAll('a')].filter((a) => !/^https?:/.test(a.href)).length,
      bundleImages: document.querySelectorAll('img[src*="/bundle/"]').length,
    })`);
    assert.deepEqual(counts, { scripts: 1, handlers: 0, svg: 0, links: 0, bundleImages: 1 });
    assert.match((await frame.locator('p').first().textContent()) ?? '', /<img src=x onerror=/);
    await frame.locator('.markdown').click();
    assert.equal(await inPage<number>(console.page, 'window.__xss'), 0);
  });

  it('script in the frame cannot read console cookies or storage, call /console/v1 with credentials, or navigate the top window', async () => {
    const frame = await canvasFrame('Progress');
    const probe = await inPage<Record<string, string>>(frame, `(async () => {
      const attempt = async (fn) => { try { return String(await fn()); } catch (error) { return 'refused: ' + error.name; } };
      return {
        cookie: await attempt(() => document.cookie),
        storage: await attempt(() => localStorage.getItem('x')),
        parentDom: await attempt(() => window.parent.document.cookie),
        api: await attempt(async () => (await fetch(${JSON.stringify(`${daemon.ready.http}/console/v1/auth/session`)}, { credentials: 'include' })).status),
        navigate: await attempt(() => { window.top.location.href = ${JSON.stringify(`${daemon.ready.http}/pwned`)}; return 'assigned'; }),
      };
    })()`);
    assert.match(probe.cookie as string, /^refused: SecurityError/);
    assert.match(probe.storage as string, /^refused: SecurityError/);
    assert.match(probe.parentDom as string, /^refused: SecurityError/);
    assert.match(probe.api as string, /^refused: TypeError/, 'a credentialed cross-origin fetch is blocked by CORS');
    await console.page.waitForTimeout(200);
    assert.match(console.page.url(), /\/chat\//, `the console stayed put (navigate: ${probe.navigate})`);
  });

  it('a form submitted in the canvas (input kept across another canvas appearing and its own update; Enter sends) → a run in its session whose user message is the canvas_event; a closed canvas is read-only', async () => {
    await agent('@tool palyra.canvas.create {"title":"Form","state":{"components":[{"type":"input","name":"city","label":"City"},{"type":"select","name":"unit","label":"Unit","options":["C","F"]},{"type":"input","name":"note","label":"Note","value":"none"},{"type":"button","id":"submit","label":"Send"}]}}');
    const frame = await canvasFrame('Form');
    const formId = /\/frame\/([0-9A-Z]{26})\?/.exec((await console.page.locator('iframe[title="Canvas: Form"]').getAttribute('src')) ?? '')?.[1];
    assert.ok(formId);
    await frame.getByLabel('Unit').selectOption('F');
    await frame.getByLabel('Note').fill('typed');
    await frame.getByLabel('City').fill('Lisbon');
    // Another canvas appearing refreshes the tab list; the frame being typed in must not reload.
    await agent('@tool palyra.canvas.create {"title":"Other","state":{"components":[]}}');
    await console.page.getByRole('tab', { name: 'Other' }).waitFor();
    assert.equal(await frame.getByLabel('City').inputValue(), 'Lisbon');
    // A new version of this canvas arrives mid-typing: the edits and the focus stay, except where the
    // agent itself changed a field's value (Note), where the agent's value wins.
    await frame.getByLabel('City').focus();
    await agent(`@tool palyra.canvas.patch {"canvas_id":"${formId}","patch":[{"op":"add","path":"/components/0","value":{"type":"heading","text":"Where to?"}},{"op":"replace","path":"/components/3/value","value":"from the agent"}]}`);
    await frame.getByRole('heading', { name: 'Where to?' }).waitFor();
    assert.equal(await frame.getByLabel('City').inputValue(), 'Lisbon');
    assert.equal(await frame.getByLabel('Unit').inputValue(), 'F');
    assert.equal(await frame.getByLabel('Note').inputValue(), 'from the agent');
    assert.equal(await frame.locator('input[name="city"]').evaluate((input) => input === input.ownerDocument.activeElement), true, 'the field being typed in keeps focus');
    const [clicked] = await Promise.all([console.page.waitForResponse((r) => r.url().includes('/actions')), frame.getByRole('button', { name: 'Send' }).click()]);
    assert.equal(clicked.status(), 202);
    // The click's run finishes (and the chat shows it) before Enter, so the two do not race on a loaded machine.
    assert.match(await replyOf(((await clicked.json()) as { run_id: string }).run_id), /^You said: canvas_event /);
    // Enter in a field submits with the form's first button, as in any HTML form.
    const [response] = await Promise.all([console.page.waitForResponse((r) => r.url().includes('/actions')), frame.getByLabel('City').press('Enter')]);
    assert.equal(response.status(), 202);
    const reply = await replyOf(((await response.json()) as { run_id: string }).run_id);
    const event = /^You said: canvas_event \{"canvas_id":"([0-9A-Z]{26})","title":"Form","version":2,"action":"submit","values":\{"city":"Lisbon","unit":"F","note":"from the agent"\}\}$/.exec(reply);
    assert.ok(event, reply);
    await agent(`@tool palyra.canvas.close {"canvas_id":"${event[1]}"}`);
    await console.page.getByRole('tab', { name: 'Form (closed)' }).waitFor();
    const closed = await canvasFrame('Form', 'Form (closed)');
    await closed.getByText('This canvas is closed.').waitFor();
    assert.equal(await closed.getByRole('button', { name: 'Send' }).isDisabled(), true);
  });

  it('Open full window → the canvas alone at /chat/:session/canvases/:id, still live and still reaching the agent; Back returns to the chat', async () => {
    await agent('@tool palyra.canvas.create {"title":"Board","state":{"components":[{"type":"text","text":"waiting"},{"type":"button","id":"ack","label":"Acknowledge"}]}}');
    await canvasFrame('Board');
    await console.page.getByRole('link', { name: 'Open full window' }).click();
    await console.page.getByRole('heading', { name: 'Board', level: 1 }).waitFor();
    assert.match(new URL(console.page.url()).pathname, new RegExp(`^/chat/${sessionId}/canvases/[0-9A-Z]{26}$`));
    assert.equal(await console.page.getByRole('tab').count(), 0, 'only this canvas, no tabs');
    const handle = await console.page.locator('iframe[title="Canvas: Board"]').elementHandle();
    const frame = await handle?.contentFrame();
    assert.ok(frame);
    await frame.getByText('waiting').waitFor();
    await agent('@tool palyra.canvas.patch {"patch":[{"op":"replace","path":"/components/0/text","value":"ready"}]}');
    await frame.getByText('ready').waitFor();
    const [response] = await Promise.all([console.page.waitForResponse((r) => r.url().includes('/actions')), frame.getByRole('button', { name: 'Acknowledge' }).click()]);
    assert.equal(response.status(), 202);
    await console.page.getByRole('link', { name: 'Back to the chat' }).click();
    await console.page.getByRole('tab', { name: 'Board' }).waitFor();
    assert.equal(new URL(console.page.url()).pathname, `/chat/${sessionId}`);
    console.assertClean();
  });
});
