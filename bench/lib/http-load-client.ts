// A bounded closed-loop HTTP load generator (h1 keep-alive sockets or one h2 session), run as a child process by the benches.
import http from 'node:http';
import http2 from 'node:http2';

export interface LoadSpec {
  url: string;
  path: string;
  headers: Record<string, string>;
  protocol: 'h1' | 'h2';
  durationMs: number;
  concurrency: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + spec.durationMs;
  let once: () => Promise<void>;
  let close = () => {};
  if (spec.protocol === 'h1') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
    close = () => agent.destroy();
    once = () =>
      new Promise((resolve) => {
        const request = http.request({ host: target.hostname, port: target.port, path: spec.path, headers: spec.headers, agent }, (response) => {
          if (response.statusCode !== 200) errors += 1;
          response.resume();
          response.on('end', resolve);
        });
        request.on('error', () => {
          errors += 1;
          resolve();
        });
        request.end();
      });
  } else {
    const session = http2.connect(spec.url);
    session.on('error', () => undefined);
    close = () => session.close();
    once = () =>
      new Promise((resolve) => {
        const stream = session.request({ ':path': spec.path, ...spec.headers });
        stream.on('response', (headers) => {
          if (headers[':status'] !== 200) errors += 1;
        });
        stream.on('error', () => {
          errors += 1;
          resolve();
        });
        stream.resume();
        stream.on('end', resolve);
        stream.end();
      });
  }
  const started = performance.now();
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (performance.now() < deadline) {
        const at = performance.now();
        await once();
        latencies.push(performance.now() - at);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
}

if (process.argv[2]) {
  const result = await run(JSON.parse(process.argv[2]) as LoadSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
