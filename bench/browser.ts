// Browser service: actions/s and navigation latency through palyra-browserd vs bare playwright-core (same Chromium, same run), idle-session memory, 8 concurrent sessions.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium, type Page } from 'playwright-core';
import { BROWSERD_TOKEN, html, startSite, startTestBrowserd, type TestBrowserd } from '../test/helpers/browserd.js';
import { call } from '../test/helpers/grpc-client.js';

const PHASE_MS = 3_000;
const ROUNDS = 6;
const NAVIGATIONS = 30;
const CONCURRENT_SESSIONS = 8;
const CHROMIUM = process.env.PALYRA_CHROMIUM ?? '/usr/bin/chromium';
const PRINCIPAL = 'user:bench';

const PAGE = `<!doctype html><title>bench</title><input id="name"><button id="go" onclick="document.getElementById('out').textContent = 'Hello ' + document.getElementById('name').value">Go</button><p id="out"></p>`;

interface Actions {
  click(): Promise<unknown>;
  type(text: string): Promise<unknown>;
  observe(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}

/** Click, type, observe in turn for `ms`; the number of actions done and the time taken. */
async function actionPhase(actions: Actions, ms: number): Promise<{ done: number; ms: number }> {
  const startedMs = performance.now();
  let done = 0;
  while (performance.now() - startedMs < ms) {
    await actions.click();
    await actions.type(`n${done}`);
    await actions.observe();
    done += 3;
  }
  return { done, ms: performance.now() - startedMs };
}

/**
 * Actions per second of each side, measured in alternating short phases so that a change in the shared
 * machine's load falls on both sides alike.
 */
async function actionRates(sides: Actions[]): Promise<number[]> {
  const totals = sides.map(() => ({ done: 0, ms: 0 }));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [index, side] of sides.entries()) {
      const phase = await actionPhase(side, PHASE_MS / ROUNDS);
      totals[index]!.done += phase.done;
      totals[index]!.ms += phase.ms;
    }
  }
  return totals.map((total) => (total.done * 1000) / total.ms);
}

/** Median navigation latency of each side, the sides taking turns navigation by navigation. */
async function navigationMediansMs(sides: Actions[], url: string): Promise<number[]> {
  const samples: number[][] = sides.map(() => []);
  for (let index = 0; index < NAVIGATIONS; index += 1) {
    for (const [side, actions] of sides.entries()) {
      const startedMs = performance.now();
      await actions.navigate(`${url}?n=${index}`);
      samples[side]!.push(performance.now() - startedMs);
    }
  }
  return samples.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)] as number);
}

/**
 * The same actions on a bare page. Navigate answers the loaded page's status, final URL and title, so
 * the bare navigation reads the title too; `gotoOnly` leaves that out (printed for comparison).
 */
function bareActions(page: Page, gotoOnly = false): Actions {
  return {
    click: () => page.locator('#go').click(),
    type: (text) => page.locator('#name').fill(text),
    observe: () => page.evaluate('document.body.innerText'),
    navigate: async (url) => {
      const response = await page.goto(url, { waitUntil: 'load' });
      return gotoOnly ? response : { status: response?.status(), url: page.url(), title: await page.title() };
    },
  };
}

function browserdActions(browserd: TestBrowserd, sessionUlid: string): Actions {
  const sessionId = { ulid: sessionUlid };
  const client = browserd.client;
  const identity = { token: BROWSERD_TOKEN, principal: PRINCIPAL };
  return {
    click: () => call(client, client.click, { v: 1, sessionId, selector: '#go', maxRetries: 0, timeoutMs: 0 }, identity),
    type: (text) => call(client, client.type, { v: 1, sessionId, selector: '#name', text, clearExisting: true, timeoutMs: 0 }, identity),
    observe: () =>
      call(client, client.observe, { v: 1, sessionId, includeDomSnapshot: false, includeAccessibilityTree: false, includeVisibleText: true, maxDomSnapshotBytes: 0, maxAccessibilityTreeBytes: 0, maxVisibleTextBytes: 0 }, identity),
    navigate: (url) => call(client, client.navigate, { v: 1, sessionId, url, timeoutMs: 0, allowRedirects: false, maxRedirects: 0, allowPrivateTargets: false }, identity),
  };
}

/** Proportional set size (KiB; shared pages split between their processes) of `rootPid` and all its descendants, from /proc. */
function treeRssKib(rootPid: number): number {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8');
      rss.set(Number(entry), Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0));
    } catch {
      // The process ended while we read.
    }
  }
  let total = 0;
  for (const pid of rss.keys()) {
    for (let cursor: number | undefined = pid; cursor !== undefined && cursor > 1; cursor = parents.get(cursor)) {
      if (cursor === rootPid) {
        total += rss.get(pid) ?? 0;
        break;
      }
    }
  }
  return total;
}

async function createSession(browserd: TestBrowserd): Promise<string> {
  const created = await browserd.as(PRINCIPAL, (c) => c.createSession, { v: 1, principal: '', idleTtlMs: 0, budget: undefined, allowPrivateTargets: false, allowDownloads: false, actionAllowedDomains: [], channel: 'bench' });
  return created.sessionId?.ulid ?? '';
}

const site = await startSite('127.0.0.2', (_req, res) => html(res, PAGE));
const pageUrl = `${site.origin}/page`;

// Bare playwright-core: the same Chromium, one context, no proxy.
const bareBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
const barePage = await (await bareBrowser.newContext()).newPage();
const bare = bareActions(barePage);
await bare.navigate(pageUrl);

const browserd = await startTestBrowserd(['--allow-private-hosts', '127.0.0.2', '--max-actions-per-second', '100000', '--max-actions-per-session', '10000000', '--max-sessions-per-principal', '32'], { PALYRA_CHROMIUM: CHROMIUM });
const ours = browserdActions(browserd, await createSession(browserd));
await ours.navigate(pageUrl);
await actionRates([bare, ours]); // warm-up

const [bareRate, oursRate] = (await actionRates([bare, ours])) as [number, number];
const [bareNavMs, oursNavMs, bareGotoMs] = (await navigationMediansMs([bare, ours, bareActions(barePage, true)], pageUrl)) as [number, number, number];

// Memory per idle session: the browserd process tree (Node + Chromium) before and after opening sessions that loaded the page.
const browserdPid = browserd.process.pid as number;
const beforeKib = treeRssKib(browserdPid);
const idleSessions: string[] = [];
for (let index = 0; index < CONCURRENT_SESSIONS; index += 1) {
  const id = await createSession(browserd);
  await browserdActions(browserd, id).navigate(pageUrl);
  idleSessions.push(id);
}
const afterKib = treeRssKib(browserdPid);
const perSessionMib = (afterKib - beforeKib) / CONCURRENT_SESSIONS / 1024;

// 8 sessions driven at once, next to 8 bare contexts driven at once in the same browser process.
const barePages: Page[] = [];
for (let index = 0; index < CONCURRENT_SESSIONS; index += 1) {
  const page = await (await bareBrowser.newContext()).newPage();
  await page.goto(pageUrl);
  barePages.push(page);
}
const concurrently = async (sides: Actions[]) => (await Promise.all(sides.map((side) => actionPhase(side, PHASE_MS)))).reduce((sum, phase) => sum + (phase.done * 1000) / phase.ms, 0);
const bareConcurrentRate = await concurrently(barePages.map((page) => bareActions(page)));
const concurrentRate = await concurrently(idleSessions.map((id) => browserdActions(browserd, id)));
await bareBrowser.close();
for (const id of idleSessions) await browserd.as(PRINCIPAL, (c) => c.closeSession, { v: 1, sessionId: { ulid: id } });
const closedKib = treeRssKib(browserdPid);

console.log(`browser service (Chromium ${browserd.ready.version}, local page on 127.0.0.2, one session)`);
console.log(`  click/type/observe       browserd ${oursRate.toFixed(0).padStart(5)} actions/s   bare playwright-core ${bareRate.toFixed(0).padStart(5)} actions/s   ratio ${(oursRate / bareRate).toFixed(2)}`);
console.log(`  navigation (median)      browserd ${oursNavMs.toFixed(1).padStart(5)} ms          bare playwright-core ${bareNavMs.toFixed(1).padStart(5)} ms          ratio ${(bareNavMs / oursNavMs).toFixed(2)}   (goto + title, what Navigate answers)`);
console.log(`                                                   bare goto alone      ${bareGotoMs.toFixed(1).padStart(5)} ms          ratio ${(bareGotoMs / oursNavMs).toFixed(2)}`);
console.log(`  memory per idle session  ${perSessionMib.toFixed(1)} MiB (process tree PSS ${(beforeKib / 1024).toFixed(0)} → ${(afterKib / 1024).toFixed(0)} MiB with ${CONCURRENT_SESSIONS} sessions, ${(closedKib / 1024).toFixed(0)} MiB after closing them)`);
console.log(`  ${CONCURRENT_SESSIONS} concurrent sessions   browserd ${concurrentRate.toFixed(0).padStart(5)} actions/s   bare playwright-core ${bareConcurrentRate.toFixed(0).padStart(5)} actions/s   ratio ${(concurrentRate / bareConcurrentRate).toFixed(2)}`);
console.log(`  load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
await browserd.stop();
await site.close();
