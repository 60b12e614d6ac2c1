// The admin port as the benches run it: the full HTTP API in one scope and a bare Fastify route beside it, on one listener.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Core } from '../../src/core/index.js';
import { RequestGuard } from '../../src/transport/http/security.js';
import { fastifyOptions, httpApi } from '../../src/transport/http/server.js';
import { StreamTracker } from '../../src/transport/http/streams.js';
import type { LoadResult, LoadSpec } from './http-load-client.js';

export const BARE_PATH = '/bench/bare';

/** Listens on loopback; `bare` is what the bare route returns (serialised by Fastify like any route). */
export async function startBenchServer(
  core: Core,
  bare: () => unknown,
  extraBareRoutes?: (app: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; url: string }> {
  const settings = { bodyLimitBytes: 65_536, rateLimitPerSecond: 10_000_000, trustedProxies: [], allowedOrigins: [], allowedHosts: [] };
  const guard = new RequestGuard({ tls: false, ...settings, metrics: core.metrics });
  const app = Fastify(fastifyOptions({ logger: pino({ level: 'silent' }), guard }));
  app.get(BARE_PATH, async () => bare());
  extraBareRoutes?.(app);
  await app.register(async (scope) => {
    await scope.register(httpApi, {
      core,
      info: { version: 'bench', startedAtMs: Date.now(), listeners: () => ({}), isReady: () => true },
      streams: new StreamTracker(core.metrics),
      webRoot: null,
      canvasRuntimeRoot: null,
      tls: false,
      settings,
      guard,
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'http-load-client.ts');

/** Runs the load client in its own process, so it does not share this event loop. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load client exited ${code}`))));
  });
}
