// SSE fan-out: 1,000 subscribers on one live run; frames delivered per second and the p99 delay from event to client.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_TOKEN, createCoreFixture } from '../test/helpers/core-fixture.js';
import { startBenchServer } from './lib/http-bench-server.js';
import { BARE_SSE_PATH, BareSseSource } from './lib/bare-sse.js';
import type { FanoutResult } from './lib/sse-fanout-client.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const TOKENS = 600;
const TOKEN_DELAY_MS = 3;
const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'sse-fanout-client.ts');

function runClient(spec: { url: string; path: string; cookie: string; subscribers: number }): Promise<FanoutResult> {
  return new Promise<FanoutResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as FanoutResult) : reject(new Error(`fan-out client exited ${code}`))));
  });
}

function describe(result: FanoutResult): string {
  return (
    `${result.frames} frames in ${result.seconds.toFixed(2)} s = ${result.framesPerSecond.toFixed(0)} frames/s; ` +
    `live delay p50 ${result.p50DelayMs} ms, p99 ${result.p99DelayMs} ms over ${result.liveFrames} live frames; ` +
    `subscribers without the final event: ${result.incomplete}`
  );
}

const fixture = createCoreFixture();
const bareSource = new BareSseSource();
const { app, url } = await startBenchServer(fixture.core, () => ({}), (bareApp) => bareSource.register(bareApp));
try {
  const login = await fetch(`${url}/console/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ admin_token: TEST_ADMIN_TOKEN, principal: 'admin:bench', device_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const ctx = fixture.core.auth.authenticate({ bearer: TEST_ADMIN_TOKEN, principal: 'admin:bench' });
  const handle = await fixture.core.runs.start(ctx, { prompt: `@tokens ${TOKENS}\n@slow ${TOKEN_DELAY_MS}`, closeAfterPrompt: true });
  const result = await runClient({ url, path: `/console/v1/runs/${handle.runId}/events`, cookie, subscribers: SUBSCRIBERS });
  const { record } = await handle.finished;
  const eventsPerRun = fixture.core.runs.readTape(ctx, handle.runId, -1, 1000).events.length;
  // The same number of frames, paced alike, from a bare Fastify route fed by an EventEmitter.
  const playing = bareSource.play(eventsPerRun - 1, TOKEN_DELAY_MS);
  const bare = await runClient({ url, path: BARE_SSE_PATH, cookie: '', subscribers: SUBSCRIBERS });
  await playing;
  console.log(`http-sse-fanout: ${SUBSCRIBERS} SSE subscribers, one run of ${TOKENS} tokens (${TOKEN_DELAY_MS} ms apart, ${eventsPerRun} events), run ${record.state}`);
  console.log(`  palyra SSE:              ${describe(result)}`);
  console.log(`  bare Fastify + emitter:  ${describe(bare)}`);
  console.log(`  ratio frames/s palyra/bare: ${(result.framesPerSecond / bare.framesPerSecond).toFixed(2)}`);
  if (result.incomplete > 0 || bare.incomplete > 0) process.exitCode = 1;
} finally {
  await app.close();
  await fixture.close();
}
