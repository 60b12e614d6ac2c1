// CPU and allocation profiles of one phase of a bench, taken from a daemon started with --inspect over the Chrome DevTools Protocol.
import { writeFileSync } from 'node:fs';

/** The NODE_OPTIONS that make a spawned daemon profilable on `port` (loopback only). */
export const inspectOptions = (port: number) => `--inspect=127.0.0.1:${port}`;

export interface PhaseProfiler {
  /**
   * Profiles `phase` and writes `<dir>/<name>.cpuprofile` and `<dir>/<name>.heapprofile` (sampled
   * allocations: what makes the garbage the collector's share of the CPU profile). Open either in
   * Chrome DevTools; the CPU profile also in speedscope.
   */
  around<T>(name: string, phase: () => Promise<T>): Promise<T>;
  /** Writes `<dir>/<name>.heapsnapshot`: every live object, for what a connection holds (open it in Chrome DevTools, Memory). */
  snapshot(name: string): Promise<void>;
  close(): void;
}

/** Attaches to the inspector on `port`; each `around` is one Profiler and one HeapProfiler sampling start/stop pair. */
export async function attachProfiler(port: number, dir: string): Promise<PhaseProfiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  let snapshotChunks: string[] = [];
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; method?: string; params?: { chunk?: string } };
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') snapshotChunks.push(message.params?.chunk ?? '');
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 500 });
  await call('HeapProfiler.enable');
  return {
    async around(name, phase) {
      await call('Profiler.start');
      // One sample per 16 KiB allocated on average; collected objects are kept in the profile.
      await call('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      try {
        return await phase();
      } finally {
        const { profile } = (await call('Profiler.stop')) as { profile: unknown };
        writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
        const { profile: allocations } = (await call('HeapProfiler.stopSampling')) as { profile: unknown };
        writeFileSync(`${dir}/${name}.heapprofile`, JSON.stringify(allocations));
      }
    },
    async snapshot(name) {
      snapshotChunks = [];
      await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      writeFileSync(`${dir}/${name}.heapsnapshot`, snapshotChunks.join(''));
      snapshotChunks = [];
    },
    close: () => socket.close(),
  };
}
