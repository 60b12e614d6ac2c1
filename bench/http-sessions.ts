// Authenticated GET /console/v1/sessions vs a bare Fastify route on the same listener, over HTTP/1.1 and HTTP/2 (target ratio ≥ 0.6).
import { TEST_ADMIN_TOKEN, createCoreFixture } from '../test/helpers/core-fixture.js';
import { BARE_PATH, runLoad, startBenchServer } from './lib/http-bench-server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 32;
const TARGET = 0.6;

const fixture = createCoreFixture();
let bareBody: unknown = {};
const { app, url } = await startBenchServer(fixture.core, () => bareBody);
try {
  const login = await fetch(`${url}/console/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ admin_token: TEST_ADMIN_TOKEN, principal: 'admin:bench', device_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
  for (let i = 0; i < 10; i += 1) {
    await fetch(`${url}/console/v1/sessions`, { method: 'POST', headers: { cookie, 'x-palyra-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ session_label: `bench ${i}` }) });
  }
  const sessions = await fetch(`${url}/console/v1/sessions`, { headers: { cookie } });
  if (sessions.status !== 200) throw new Error(`sessions: ${sessions.status}`);
  // The bare route answers the same document, so both sides serialise the same JSON.
  bareBody = await sessions.json();
  console.log(`http-sessions: ${SECONDS}s per measurement, ${CONCURRENCY} concurrent requests, 10 sessions per page`);
  const ratios: number[] = [];
  for (const protocol of ['h1', 'h2'] as const) {
    await runLoad({ url, path: BARE_PATH, headers: {}, protocol, durationMs: 1000, concurrency: CONCURRENCY });
    // Alternating 1 s rounds, so load from other processes on the machine hits both sides alike.
    const totals = { bare: { requests: 0, seconds: 0, errors: 0, p99: 0, cpuUs: 0 }, api: { requests: 0, seconds: 0, errors: 0, p99: 0, cpuUs: 0 } };
    for (let round = 0; round < SECONDS; round += 1) {
      for (const [side, path, headers] of [['bare', BARE_PATH, {}], ['api', '/console/v1/sessions', { cookie }]] as const) {
        // The server's own CPU time per request does not depend on how fast the client (a separate
        // process on the same 2 cores) manages to send, so it is the steadier of the two ratios.
        const cpuBefore = process.cpuUsage();
        const result = await runLoad({ url, path, headers, protocol, durationMs: 1000, concurrency: CONCURRENCY });
        const cpu = process.cpuUsage(cpuBefore);
        const total = totals[side];
        total.cpuUs += cpu.user + cpu.system;
        total.requests += result.requests;
        total.seconds += result.seconds;
        total.errors += result.errors;
        total.p99 = Math.max(total.p99, result.p99Ms);
      }
    }
    const bareRps = totals.bare.requests / totals.bare.seconds;
    const apiRps = totals.api.requests / totals.api.seconds;
    const ratio = apiRps / bareRps;
    ratios.push(ratio);
    const bareCpu = totals.bare.cpuUs / totals.bare.requests;
    const apiCpu = totals.api.cpuUs / totals.api.requests;
    console.log(
      `${protocol}: bare ${bareRps.toFixed(0)} req/s (worst-round p99 ${totals.bare.p99.toFixed(2)} ms) | ` +
        `GET /console/v1/sessions ${apiRps.toFixed(0)} req/s (worst-round p99 ${totals.api.p99.toFixed(2)} ms, errors ${totals.api.errors}) | ratio ${ratio.toFixed(2)} (target ≥ ${TARGET})`,
    );
    console.log(`${protocol}: server CPU per request bare ${bareCpu.toFixed(0)} µs, API ${apiCpu.toFixed(0)} µs → capacity ratio ${(bareCpu / apiCpu).toFixed(2)}`);
    if (totals.api.errors > 0 || totals.bare.errors > 0) process.exitCode = 1;
  }
  console.log(`ratio h1 ${ratios[0]?.toFixed(2)}, h2 ${ratios[1]?.toFixed(2)}: ${ratios.every((ratio) => ratio >= TARGET) ? 'meets' : 'BELOW'} the ${TARGET} target`);
} finally {
  await app.close();
  await fixture.close();
}
