// Watches one canvas with N SSE and M gRPC viewers and measures update-to-viewer delay (child process of bench/canvas-fanout.ts).
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { CanvasServiceClient, type WatchCanvasResponse } from '../../src/gen/palyra/canvas/v1/canvas.js';

export interface CanvasFanoutSpec {
  url: string;
  path: string;
  sseViewers: number;
  /** gRPC viewers (0: none): address, bearer token and canvas id. */
  grpc?: { address: string; token: string; canvasId: string; viewers: number };
}

export interface ViewerStats {
  viewers: number;
  frames: number;
  framesPerSecond: number;
  p50DelayMs: number;
  p99DelayMs: number;
  incomplete: number;
}

export interface CanvasFanoutResult {
  sse: ViewerStats;
  grpc: ViewerStats | null;
}

type OnVersion = (updatedAtMs: number) => void;

function sseViewer(spec: CanvasFanoutSpec, agent: http.Agent, onOpen: () => void, onVersion: OnVersion): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(spec.url);
    const request = http.request({ host: target.hostname, port: target.port, path: spec.path, agent, headers: { accept: 'text/event-stream' } }, (response) => {
      onOpen();
      let buffer = '';
      let closed = false;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
          buffer = buffer.slice(end + 2);
          if (!data) continue;
          const version = JSON.parse(data.slice(6)) as { updated_at_unix_ms: number; closed: boolean };
          onVersion(version.updated_at_unix_ms);
          if (version.closed) closed = true;
        }
      });
      response.on('end', () => resolve(closed));
      response.on('error', () => resolve(false));
    });
    request.on('error', () => resolve(false));
    request.end();
  });
}

function grpcViewer(client: CanvasServiceClient, spec: NonNullable<CanvasFanoutSpec['grpc']>, onOpen: () => void, onVersion: OnVersion): Promise<boolean> {
  return new Promise((resolve) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${spec.token}`);
    const stream = client.watchCanvas({ v: 1, canvasId: { ulid: spec.canvasId }, afterVersion: 0 }, metadata);
    let closed = false;
    let opened = false;
    stream.on('data', (message: WatchCanvasResponse) => {
      if (!opened) {
        opened = true;
        onOpen();
      }
      onVersion(message.updatedAtUnixMs);
      if (message.closed) closed = true;
    });
    stream.on('end', () => resolve(closed));
    stream.on('error', () => resolve(false));
  });
}

/** Runs the viewers; `ready` is written to stderr once all are connected, the result to stdout at the end. */
async function measure(count: number, start: (onOpen: () => void, onVersion: OnVersion) => Promise<boolean>, onAllOpen: () => void): Promise<ViewerStats> {
  const delays: number[] = [];
  let opened = 0;
  let allOpenAtMs = Number.POSITIVE_INFINITY;
  let firstAt = 0;
  let lastAt = 0;
  const done = await Promise.all(
    Array.from({ length: count }, () =>
      start(
        () => {
          opened += 1;
          if (opened === count) {
            allOpenAtMs = Date.now();
            onAllOpen();
          }
        },
        (updatedAtMs) => {
          const now = Date.now();
          // The version current at connect time is as old as its update: only live ones measure delivery.
          if (updatedAtMs < allOpenAtMs) return;
          firstAt ||= now;
          lastAt = now;
          delays.push(now - updatedAtMs);
        },
      ),
    ),
  );
  delays.sort((a, b) => a - b);
  const at = (p: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * p))] ?? 0;
  const seconds = Math.max((lastAt - firstAt) / 1000, 0.001);
  return { viewers: count, frames: delays.length, framesPerSecond: delays.length / seconds, p50DelayMs: at(0.5), p99DelayMs: at(0.99), incomplete: done.filter((closed) => !closed).length };
}

if (process.argv[2]) {
  const spec = JSON.parse(process.argv[2]) as CanvasFanoutSpec;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  let groups = spec.grpc ? 2 : 1;
  const allOpen = () => {
    groups -= 1;
    if (groups === 0) process.stderr.write('ready\n');
  };
  const client = spec.grpc ? new CanvasServiceClient(spec.grpc.address, grpc.credentials.createInsecure()) : null;
  const grpcSpec = spec.grpc;
  const [sse, viaGrpc] = await Promise.all([
    measure(spec.sseViewers, (onOpen, onVersion) => sseViewer(spec, agent, onOpen, onVersion), allOpen),
    client && grpcSpec ? measure(grpcSpec.viewers, (onOpen, onVersion) => grpcViewer(client, grpcSpec, onOpen, onVersion), allOpen) : Promise.resolve(null),
  ]);
  client?.close();
  const result: CanvasFanoutResult = { sse, grpc: viaGrpc };
  // Exits as soon as the result is out: the gRPC channel's sockets may otherwise keep the process waiting.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}
