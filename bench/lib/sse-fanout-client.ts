// Opens N Server-Sent Events subscriptions to one run and measures delivery (child process of bench/http-sse-fanout.ts).
import http from 'node:http';

export interface FanoutSpec {
  url: string;
  path: string;
  cookie: string;
  subscribers: number;
}

export interface FanoutResult {
  subscribers: number;
  frames: number;
  seconds: number;
  framesPerSecond: number;
  liveFrames: number;
  p50DelayMs: number;
  p99DelayMs: number;
  incomplete: number;
}

function subscribe(spec: FanoutSpec, agent: http.Agent, onFrame: (createdAtMs: number, openedAtMs: number) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(spec.url);
    const request = http.request({ host: target.hostname, port: target.port, path: spec.path, agent, headers: { cookie: spec.cookie, accept: 'text/event-stream' } }, (response) => {
      const openedAtMs = Date.now();
      let buffer = '';
      let sawFinal = false;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (!data) continue;
          const event = JSON.parse(data.slice(6)) as { created_at_unix_ms: number; event_type: string; payload: { kind?: string } };
          onFrame(event.created_at_unix_ms, openedAtMs);
          if (event.event_type === 'status' && (event.payload.kind === 'done' || event.payload.kind === 'failed')) sawFinal = true;
        }
      });
      response.on('end', () => resolve(sawFinal));
      response.on('error', () => resolve(false));
    });
    request.on('error', () => resolve(false));
    request.end();
  });
}

if (process.argv[2]) {
  const spec = JSON.parse(process.argv[2]) as FanoutSpec;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const delays: number[] = [];
  let frames = 0;
  const started = performance.now();
  const finals = await Promise.all(
    Array.from({ length: spec.subscribers }, () =>
      subscribe(spec, agent, (createdAtMs, openedAtMs) => {
        frames += 1;
        // Only live events say something about delivery delay; replayed ones are as old as the run.
        if (createdAtMs >= openedAtMs) delays.push(Date.now() - createdAtMs);
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  delays.sort((a, b) => a - b);
  const at = (p: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * p))] ?? 0;
  const result: FanoutResult = {
    subscribers: spec.subscribers,
    frames,
    seconds,
    framesPerSecond: frames / seconds,
    liveFrames: delays.length,
    p50DelayMs: at(0.5),
    p99DelayMs: at(0.99),
    incomplete: finals.filter((sawFinal) => !sawFinal).length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
