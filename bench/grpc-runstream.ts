// RunStream with the built-in model: time to first token, events/s per stream (vs a bare grpc-js stream), 500 concurrent streams.
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { RunStreamEvent } from '../src/gen/palyra/common/v1/common.js';
import { GatewayServiceService } from '../src/gen/palyra/gateway/v1/gateway.js';
import { createGrpcServer } from '../src/transport/grpc/server.js';
import { createCoreFixture, TEST_ADMIN_TOKEN } from '../test/helpers/core-fixture.js';
import { collect, connect, metadataFor, openRequest } from '../test/helpers/grpc-client.js';

const TOKENS = 5_000;
const CONCURRENT = 500;

const fixture = createCoreFixture({ limits: { maxConcurrentPerPrincipal: CONCURRENT + 10 } });
const server = createGrpcServer({ core: fixture.core, info: { version: 'bench', startedAtMs: Date.now() }, logger: pino({ level: 'silent' }) });
const port = await server.listen('127.0.0.1', 0);
const clients = connect(`127.0.0.1:${port}`);
const metadata = metadataFor({ token: TEST_ADMIN_TOKEN });

function runOnce(prompt: string): Promise<{ firstTokenMs: number; events: number; totalMs: number; ok: boolean }> {
  const started = performance.now();
  let firstTokenMs = -1;
  const stream = clients.gateway.runStream(metadata);
  stream.write(openRequest(prompt));
  stream.end();
  return collect(stream, (event) => {
    if (firstTokenMs < 0 && event.body?.$case === 'modelToken') firstTokenMs = performance.now() - started;
  }).then((result) => ({ firstTokenMs, events: result.events.length, totalMs: performance.now() - started, ok: result.error === null && result.events.at(-1)?.body?.$case === 'status' }));
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;

for (let i = 0; i < 20; i++) await runOnce('warm up');
const ttft: number[] = [];
for (let i = 0; i < 200; i++) ttft.push((await runOnce('hello there')).firstTokenMs);

const big = await runOnce(`@tokens ${TOKENS}`);
const oursRate = (big.events * 1000) / big.totalMs;

// The same number of RunStreamEvents through a bare grpc-js server stream.
const bare = new grpc.Server();
const token = RunStreamEvent.fromPartial({ v: 1, runId: { ulid: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, body: { $case: 'modelToken', value: { token: ' t1', isFinal: false } } });
bare.addService(GatewayServiceService, {
  watchRun: async (call: grpc.ServerWritableStream<unknown, RunStreamEvent>) => {
    for (let i = 0; i < big.events; i++) if (!call.write({ ...token, seq: i })) await new Promise((resolve) => call.once('drain', resolve));
    call.end();
  },
});
const barePort = await new Promise<number>((resolve, reject) => bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
const bareClients = connect(`127.0.0.1:${barePort}`);
const bareStarted = performance.now();
const bareResult = await collect(bareClients.gateway.watchRun({ v: 1, runId: undefined, afterSeq: -1 }, new grpc.Metadata()));
const bareRate = (bareResult.events.length * 1000) / (performance.now() - bareStarted);

global.gc?.();
const before = process.memoryUsage();
let peakRss = before.rss;
let peakHeap = before.heapUsed;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 20);
const concurrentStarted = performance.now();
const results = await Promise.all(Array.from({ length: CONCURRENT }, () => runOnce('@slow 20\n@tokens 20')));
clearInterval(sampler);
const concurrentMs = performance.now() - concurrentStarted;

console.log('gRPC RunStream, built-in model (loopback, same process)');
console.log(`  time to first token        p50 ${percentile(ttft, 50).toFixed(2)} ms   p99 ${percentile(ttft, 99).toFixed(2)} ms   (200 sequential runs)`);
console.log(`  events/s, one stream       palyra ${oursRate.toFixed(0)}   bare grpc-js ${bareRate.toFixed(0)}   ratio ${(oursRate / bareRate).toFixed(2)}   (${big.events} events)`);
console.log(`  ${CONCURRENT} concurrent streams    ${results.filter((r) => r.ok).length}/${CONCURRENT} completed in ${concurrentMs.toFixed(0)} ms; ` +
  `peak heap +${((peakHeap - before.heapUsed) / CONCURRENT / 1024).toFixed(1)} KiB/stream, peak RSS +${((peakRss - before.rss) / CONCURRENT / 1024).toFixed(1)} KiB/stream (server and client in one process)`);
bareClients.close();
bare.forceShutdown();
clients.close();
await server.close(100);
await fixture.close();
