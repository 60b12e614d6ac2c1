// Console in Chromium on loopback: time to a usable chat page (cold, warm), JavaScript bytes, and a 2,000-token reply's display rate vs its SSE receive rate.
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { inPage, launchChromium } from '../test/helpers/browser.js';
import { consoleLogin } from '../test/helpers/console-session.js';
import { removeStateDir, startDaemon } from '../test/helpers/daemon.js';
import { readSse } from '../test/helpers/sse.js';

const TOKENS = 2000;
const TOKEN_DELAY_MS = 2;
const JS_BUDGET_GZIP_BYTES = 250 * 1024;
const MIN_RATE_RATIO = 0.9;

const daemon = await startDaemon();
const browser = await launchChromium();
try {
  const session = await consoleLogin(daemon, 'admin:bench');
  const created = (await (await session.request('/sessions', { method: 'POST', body: JSON.stringify({ session_label: 'bench' }) })).json()) as { session: { session_id: string } };
  const sessionId = created.session.session_id;
  const [name, value] = session.cookie.split('=') as [string, string];
  const context = await browser.newContext({ baseURL: daemon.ready.http, viewport: { width: 1280, height: 860 } });
  await context.addCookies([{ name, value, url: daemon.ready.http, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();

  /** Navigation start → the composer of the chat page accepts input; and the JavaScript it transferred. */
  async function loadChat(): Promise<{ ms: number; jsBytes: number; jsFiles: number }> {
    const started = performance.now();
    await page.goto(`/chat/${sessionId}`);
    await page.getByLabel('Message').waitFor();
    await page.getByText('No messages yet').or(page.locator('article.run-messages').first()).waitFor();
    const ms = performance.now() - started;
    const js = await inPage<number[]>(page, "performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('.js')).map((entry) => entry.transferSize)");
    return { ms, jsBytes: js.reduce((total, size) => total + size, 0), jsFiles: js.length };
  }

  const cold = await loadChat();
  const warm = await loadChat();
  const scripts = [...readFileSync('dist/web/index.html', 'utf8').matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1] as string);
  const entryGzip = scripts.reduce((total, path) => total + gzipSync(readFileSync(`dist/web${path}`), { level: 9 }).length, 0);
  console.log(`chat page usable: cold ${cold.ms.toFixed(0)} ms (${cold.jsFiles} JS files, ${(cold.jsBytes / 1024).toFixed(1)} KiB transferred gzip), warm ${warm.ms.toFixed(0)} ms (${(warm.jsBytes / 1024).toFixed(1)} KiB transferred)`);
  console.log(`sign-in + chat entry JavaScript: ${(entryGzip / 1024).toFixed(1)} KiB gzip (budget ${JS_BUDGET_GZIP_BYTES / 1024} KiB)`);

  // The page counts the reply's words as they appear; a second SSE client in this process times their arrival.
  await inPage(
    page,
    `window.displayMarks = [];
    new MutationObserver(() => {
      const reply = document.querySelector('.reply');
      if (reply) window.displayMarks.push([performance.now() + performance.timeOrigin, reply.textContent.trim().split(/\\s+/).length]);
    }).observe(document.body, { subtree: true, childList: true, characterData: true })`,
  );
  const posted = page.waitForResponse((response) => response.url().includes('/messages') && response.request().method() === 'POST');
  await page.getByLabel('Message').fill(`@tokens ${TOKENS}\n@slow ${TOKEN_DELAY_MS}`);
  await page.getByRole('button', { name: 'Send' }).click();
  const { run_id: runId } = (await (await posted).json()) as { run_id: string };
  const stream = await session.request(`/runs/${runId}/events`, { headers: { accept: 'text/event-stream' } });
  const arrivals: number[] = [];
  for await (const frame of readSse(stream.body as ReadableStream<Uint8Array>)) {
    if (frame.event === 'model_token' && (JSON.parse(frame.data) as { payload: { token: string } }).payload.token !== '') arrivals.push(performance.now() + performance.timeOrigin);
    if (frame.event === 'status' && /"kind":"(done|failed)"/.test(frame.data)) break;
  }
  await page.locator('article[data-run-ended="true"]').waitFor({ timeout: 60_000 });
  const marks = await inPage<Array<[number, number]>>(page, 'window.displayMarks');
  const firstShown = marks.find(([, count]) => count >= 1)?.[0] ?? 0;
  const allShown = marks.find(([, count]) => count >= TOKENS)?.[0] ?? Number.NaN;
  const receiveRate = (arrivals.length - 1) / (((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)) / 1000);
  const displayRate = (TOKENS - 1) / ((allShown - firstShown) / 1000);
  const ratio = displayRate / receiveRate;
  console.log(`${TOKENS}-token reply: received ${receiveRate.toFixed(0)} tokens/s on SSE, displayed ${displayRate.toFixed(0)} tokens/s; ratio ${ratio.toFixed(2)} (target >= ${MIN_RATE_RATIO})`);
  await context.close();
  if (arrivals.length !== TOKENS) throw new Error(`SSE delivered ${arrivals.length} of ${TOKENS} tokens`);
  if (entryGzip > JS_BUDGET_GZIP_BYTES) throw new Error('JavaScript budget exceeded');
  if (!(ratio >= MIN_RATE_RATIO)) throw new Error('display rate below target');
} finally {
  await browser.close();
  await daemon.stop();
  removeStateDir(daemon.stateDir);
}
