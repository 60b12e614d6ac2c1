// Canvas fan-out: one canvas updated 50 times a second, watched by 200 SSE and 50 gRPC viewers; delay and delivery vs a bare Fastify SSE fan-out.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createCoreFixture, TEST_ADMIN_TOKEN } from '../test/helpers/core-fixture.js';
import { createGrpcServer } from '../src/transport/grpc/server.js';
import { startBenchServer } from './lib/http-bench-server.js';
import type { CanvasFanoutResult, CanvasFanoutSpec, ViewerStats } from './lib/canvas-fanout-client.js';

const SSE_VIEWERS = Number(process.env.BENCH_SSE_VIEWERS ?? 200);
const GRPC_VIEWERS = Number(process.env.BENCH_GRPC_VIEWERS ?? 50);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 250);
const INTERVAL_MS = 20;
const BARE_PATH = '/bench/bare-canvas';
const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'canvas-fanout-client.ts');

/** Starts the viewers; resolves `ready` once all are connected and `result` when they finished. */
function runClient(spec: CanvasFanoutSpec): { ready: Promise<void>; result: Promise<CanvasFanoutResult> } {
  const child = spawn(process.execPath, ["--import", "tsx", CLIENT, JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const ready = new Promise<void>((resolve) => child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
  const result = new Promise<CanvasFanoutResult>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as CanvasFanoutResult) : reject(new Error(`viewer client exited ${code}`)))),
  );
  return { ready, result };
}

/** The same version documents, from an EventEmitter to raw responses: what a bare Fastify fan-out costs. */
function bareRoute(app: FastifyInstance, emitter: EventEmitter): void {
  emitter.setMaxListeners(0);
  app.get(BARE_PATH, (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    // Headers go out with the first write: the viewer counts as connected once it has them.
    reply.raw.write('retry: 1000\n\n');
    const onFrame = (text: string, last: boolean) => {
      reply.raw.write(text);
      if (last) reply.raw.end();
    };
    emitter.on('frame', onFrame);
    request.raw.once('close', () => emitter.off('frame', onFrame));
  });
}

const describeStats = (stats: ViewerStats) =>
  `${stats.frames} versions delivered, ${stats.framesPerSecond.toFixed(0)}/s; delay p50 ${stats.p50DelayMs} ms, p99 ${stats.p99DelayMs} ms; viewers without the closing version: ${stats.incomplete}`;

const tick = () => new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));

const fixture = createCoreFixture({ canvas: { limits: { maxUpdatesPerMinute: 1_000_000 } } });
const emitter = new EventEmitter();
const { app, url } = await startBenchServer(fixture.core, () => ({}), (bareApp) => bareRoute(bareApp, emitter));
const grpcServer = createGrpcServer({ core: fixture.core, info: { version: 'bench', startedAtMs: Date.now() }, logger: pino({ level: 'silent' }) });
const grpcPort = await grpcServer.listen('127.0.0.1', 0);
try {
  const ctx = fixture.core.auth.authenticate({ bearer: TEST_ADMIN_TOKEN, principal: 'admin:bench' });
  const { session } = await fixture.core.sessions.resolve(ctx, {});
  const rows = (i: number) => ({ components: [{ type: 'progress', value: i % 100 }, { type: 'table', columns: ['k', 'v'], rows: Array.from({ length: 20 }, (_, r) => [`row ${r}`, i * r]) }] });
  const canvas = await fixture.core.canvases.create(ctx, { sessionId: session.sessionId, title: 'bench', state: rows(0) });
  const { token } = fixture.core.canvases.mintToken(ctx, canvas.canvasId);
  const ours = runClient({
    url,
    path: `/canvas/v1/events/${canvas.canvasId}?token=${token}`,
    sseViewers: SSE_VIEWERS,
    grpc: { address: `127.0.0.1:${grpcPort}`, token: TEST_ADMIN_TOKEN, canvasId: canvas.canvasId, viewers: GRPC_VIEWERS },
  });
  await ours.ready;
  const payloads: string[] = [];
  for (let i = 1; i <= UPDATES; i += 1) {
    const updated = await fixture.core.canvases.update(ctx, canvas.canvasId, { state: rows(i) });
    payloads.push(updated.stateJson);
    await tick();
  }
  await fixture.core.canvases.close(ctx, canvas.canvasId);
  const palyra = await ours.result;

  const bare = runClient({ url, path: BARE_PATH, sseViewers: SSE_VIEWERS });
  await bare.ready;
  for (const [index, stateJson] of payloads.entries()) {
    const last = index === payloads.length - 1;
    const version = index + 2;
    emitter.emit('frame', `id: ${version}\nevent: version\ndata: {"canvas_id":"${canvas.canvasId}","version":${version},"state":${stateJson},"updated_at_unix_ms":${Date.now()},"closed":${last}}\n\n`, last);
    if (!last) await tick();
  }
  const baseline = await bare.result;
  console.log(`canvas-fanout: one canvas, ${UPDATES} updates ${INTERVAL_MS} ms apart (${Math.round(1000 / INTERVAL_MS)}/s, ~${Math.round((payloads[0]?.length ?? 0) / 1024)} KiB states)`);
  console.log(`  palyra SSE  (${SSE_VIEWERS} viewers): ${describeStats(palyra.sse)}`);
  if (palyra.grpc) console.log(`  palyra gRPC (${GRPC_VIEWERS} viewers): ${describeStats(palyra.grpc)}`);
  console.log(`  bare Fastify SSE (${SSE_VIEWERS} viewers): ${describeStats(baseline.sse)}`);
  console.log(`  ratio delivered/s palyra SSE / bare: ${(palyra.sse.framesPerSecond / baseline.sse.framesPerSecond).toFixed(2)}; p99 delay ${palyra.sse.p99DelayMs} vs ${baseline.sse.p99DelayMs} ms`);
  if (palyra.sse.incomplete > 0 || (palyra.grpc?.incomplete ?? 0) > 0) process.exitCode = 1;
} finally {
  await grpcServer.close();
  await app.close();
  await fixture.close();
}
