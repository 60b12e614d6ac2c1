// Gateway time before the model call (warm turn) and 200 concurrent turns over 20 principals, with palyrad
// talking to a local OpenAI-compatible server that answers at once (0 ms/token); against a bare grpc-js
// RunStream making the same fetch, both as their own processes, measured in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { removeStateDir, startDaemon } from '../test/helpers/daemon.js';
import { type Clients, collect, connect, metadataFor, openRequest } from '../test/helpers/grpc-client.js';

const WARM_TURNS = 300;
const CONCURRENT = 200;
const PRINCIPALS = 20;

// The model: every request gets the same short streamed reply; arrival times are what the bench reads.
const arrivals: number[] = [];
const REPLY = [
  { choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' } }] },
  { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  { choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } },
].map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('') + 'data: [DONE]\n\n';
const model = createServer((request, response) => {
  arrivals.push(performance.now());
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(REPLY);
  });
});
model.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
const modelBase = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Target {
  clients: Clients;
  pid: number;
  metadata: (principal: string) => ReturnType<typeof metadataFor>;
}

/** One turn: RunStream opened on a warm channel (in `sessionId` when given); resolves with ms until the model saw the request. */
async function turn(target: Target, principal: string, sessionId?: string): Promise<{ beforeModelMs: number; ok: boolean }> {
  const seen = arrivals.length;
  const started = performance.now();
  const stream = target.clients.gateway.runStream(target.metadata(principal));
  stream.write(openRequest('hello', sessionId ? { sessionId } : {}));
  stream.end();
  const result = await collect(stream);
  const last = result.events.at(-1)?.body;
  return { beforeModelMs: (arrivals[seen] ?? Number.NaN) - started, ok: result.error === null && last?.$case === 'status' && last.value.kind === 3 };
}

async function measure(target: Target): Promise<{ p50: number; p99: number; concurrentMs: number; completed: number; rssAfter: number; rssBefore: number }> {
  const sessionId = (await import('../src/core/ids.js')).newId();
  for (let i = 0; i < 30; i++) await turn(target, 'admin:bench', sessionId);
  const warm: number[] = [];
  for (let i = 0; i < WARM_TURNS; i++) warm.push((await turn(target, 'admin:bench', sessionId)).beforeModelMs);
  const rssBefore = rssMiB(target.pid);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => turn(target, `admin:bench-${i % PRINCIPALS}`)));
  const concurrentMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { p50: percentile(warm, 50), p99: percentile(warm, 99), concurrentMs, completed: results.filter((r) => r.ok).length, rssBefore, rssAfter: rssMiB(target.pid) };
}

// palyrad, as npm start runs it, with the model pointed at the local server.
const daemon = await startDaemon({
  env: { PALYRA_MODEL_PROVIDER: 'openai', PALYRA_MODEL_BASE_URL: modelBase, PALYRA_MODEL_MODEL: 'bench', PALYRA_LOG_LEVEL: 'error', PALYRA_RUNS_MAX_CONCURRENT_PER_PRINCIPAL: '64' },
});
const ours = await measure({
  clients: connect(daemon.ready.grpc),
  pid: daemon.process.pid ?? 0,
  metadata: (principal) => metadataFor({ token: daemon.adminToken, principal }),
});

// The floor: grpc-js and fetch alone.
const bare: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/bare-model-gateway.ts', `${modelBase}/chat/completions`], { stdio: ['ignore', 'pipe', 'inherit'] });
const barePort = await new Promise<string>((resolve) => createInterface({ input: bare.stdout! }).once('line', resolve));
const floor = await measure({ clients: connect(`127.0.0.1:${barePort}`), pid: bare.pid ?? 0, metadata: (principal) => metadataFor({ principal }) });

console.log(`gateway turn: palyrad (gRPC RunStream) → local OpenAI-compatible server answering at once (load average ${loadavg()[0]?.toFixed(1)})`);
console.log(`  before the model call, warm turn    palyrad p50 ${ours.p50.toFixed(2)} ms  p99 ${ours.p99.toFixed(2)} ms   bare grpc-js + fetch p50 ${floor.p50.toFixed(2)} ms  p99 ${floor.p99.toFixed(2)} ms   palyrad overhead p50 ${(ours.p50 - floor.p50).toFixed(2)} ms`);
console.log(`  ${CONCURRENT} concurrent turns, ${PRINCIPALS} principals  palyrad ${ours.completed}/${CONCURRENT} in ${ours.concurrentMs.toFixed(0)} ms   bare ${floor.completed}/${CONCURRENT} in ${floor.concurrentMs.toFixed(0)} ms   ratio bare/palyrad ${(floor.concurrentMs / ours.concurrentMs).toFixed(2)}`);
console.log(`  RSS before → after the burst         palyrad ${ours.rssBefore.toFixed(0)} → ${ours.rssAfter.toFixed(0)} MiB   bare ${floor.rssBefore.toFixed(0)} → ${floor.rssAfter.toFixed(0)} MiB`);

bare.kill('SIGTERM');
await daemon.stop();
removeStateDir(daemon.stateDir);
model.closeAllConnections();
model.close();
