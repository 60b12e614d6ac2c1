// Fleet scale: N paired nodes held by a quic-go driver against the real daemon; idle CPU and RSS per node, invoke rate, reconnect storm, SIGTERM.
// Usage: node --import tsx bench/fleet.ts [N=1000] [idle seconds=20]
// PALYRA_BENCH_PROFILE=<dir> writes a CPU profile of the daemon per phase (rest, invoke, storm) there.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { derToPem } from '../src/infra/crypto/fingerprint.js';
import { makeStateDir, removeStateDir, startDaemon, type TestDaemon } from '../test/helpers/daemon.js';
import { createNodeFixture } from '../test/helpers/node-fixture.js';
import { attachProfiler, inspectOptions, type PhaseProfiler } from './lib/cpu-profiler.js';

const N = Number(process.argv[2] ?? 1000);
const IDLE_SECONDS = Number(process.argv[3] ?? 20);
const INVOKE_MS = 5_000;
const IN_FLIGHT = 16;
const CLOCK_TICKS = 100;
const PROFILE_DIR = process.env.PALYRA_BENCH_PROFILE;
const INSPECT_PORT = 9339;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}
function rssKib(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(line.replace(/\D+/g, ''));
}
/** The daemon's UDP socket drops (the last column of /proc/net/udp for its port). */
function udpDrops(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const line = readFileSync('/proc/net/udp', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1]?.endsWith(hexPort));
  return Number(line?.trim().split(/\s+/).at(-1) ?? NaN);
}
/** The daemon's JS heap in use and its external (native) memory, from its /metrics. */
async function heapKib(daemon: TestDaemon): Promise<{ heap: number; external: number }> {
  const text = await (await daemon.admin('/metrics')).text();
  const value = (name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]) / 1024;
  return { heap: value('nodejs_heap_size_used_bytes'), external: value('nodejs_external_memory_bytes') };
}

/** Datagrams received on this machine so far (daemon and driver alike: each datagram of the fleet counts once). */
function udpDatagramsIn(): number {
  const [names, values] = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  return Number(values?.split(/\s+/)[names?.split(/\s+/).indexOf('InDatagrams') ?? -1]);
}
async function cpuPercent(pid: number, seconds: number): Promise<number> {
  const before = cpuTicks(pid);
  await sleep(seconds * 1000);
  return ((cpuTicks(pid) - before) / CLOCK_TICKS / seconds) * 100;
}

/** Builds the Go driver offline from Debian's packaged quic-go. */
function buildDriver(dir: string): string {
  const binary = join(dir, 'fleet-driver');
  execFileSync('go', ['build', '-o', binary, './bench/fleet-driver'], {
    env: { ...process.env, GOPATH: '/usr/share/gocode', GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(tmpdir(), 'palyra-fleet-gocache') },
    stdio: 'inherit',
  });
  return binary;
}

/** Pairs N nodes through the core's pairing flow (code, proof, approval, signed status poll) in the daemon's state dir. */
async function pairFleet(stateDir: string, count: number, file: string): Promise<string[]> {
  const fixture = await createNodeFixture({ dir: stateDir });
  const nodes: Array<{ deviceId: string; certPem: string; keyPem: string }> = [];
  for (let i = 0; i < count; i += 1) {
    const paired = await fixture.pairNode([{ name: 'echo', available: true }]);
    nodes.push({ deviceId: paired.identity.deviceId, certPem: derToPem(paired.certDer, 'CERTIFICATE'), keyPem: paired.identity.tls.privateKeyPem });
  }
  writeFileSync(file, JSON.stringify(nodes));
  writeFileSync(join(stateDir, 'fleet-ca.pem'), fixture.ca.certificatePem);
  await fixture.close(true);
  return nodes.map((n) => n.deviceId);
}

class Driver {
  up = 0;
  refused = 0;
  errors = 0;
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  constructor(binary: string, daemon: TestDaemon, nodesFile: string) {
    this.child = spawn(binary, ['-addr', daemon.ready.quic ?? '', '-nodes', nodesFile, '-ca', join(daemon.stateDir, 'fleet-ca.pem')], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING: 'true' },
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const m = /up=(\d+) dials=\d+ refused=(\d+) errors=(\d+)/.exec(line);
      if (!m) return;
      [this.up, this.refused, this.errors] = [Number(m[1]), Number(m[2]), Number(m[3])];
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
  send(command: string): void {
    this.child.stdin!.write(`${command}\n`);
  }
  async waitUp(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.up < count) {
      if (Date.now() > deadline) return false;
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return true;
  }
  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** How many nodes the admin API lists as connected. */
async function listedConnected(daemon: TestDaemon): Promise<number> {
  let connected = 0;
  let after = '';
  for (;;) {
    const response = await daemon.admin(`/admin/v1/nodes?limit=500${after ? `&after_device_id=${after}` : ''}`);
    const body = (await response.json()) as { nodes: Array<{ connected: boolean }>; next_after_device_id: string | null };
    connected += body.nodes.filter((n) => n.connected).length;
    if (!body.next_after_device_id) return connected;
    after = body.next_after_device_id;
  }
}

async function waitListed(daemon: TestDaemon, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while ((await listedConnected(daemon)) !== count) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

async function invokeLoad(daemon: TestDaemon, ids: string[]): Promise<{ perSecond: number; p50: number; p99: number; failed: number; cpuMsPerInvoke: number }> {
  const samples: number[] = [];
  const ticksBefore = cpuTicks(daemon.ready.pid);
  let failed = 0;
  let next = 0;
  const until = Date.now() + INVOKE_MS;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < until) {
        const id = ids[next++ % ids.length]!;
        const started = performance.now();
        const response = await daemon.admin(`/admin/v1/nodes/${id}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { n: next } }) });
        await response.arrayBuffer();
        if (response.status === 200) samples.push(performance.now() - started);
        else failed += 1;
      }
    }),
  );
  const cpuMs = ((cpuTicks(daemon.ready.pid) - ticksBefore) / CLOCK_TICKS) * 1000;
  samples.sort((a, b) => a - b);
  return { perSecond: samples.length / (INVOKE_MS / 1000), p50: percentile(samples, 50), p99: percentile(samples, 99), failed, cpuMsPerInvoke: cpuMs / Math.max(1, samples.length + failed) };
}

const line = (what: string, figure: string, baseline: string) => console.log(`${what.padEnd(44)} ${figure.padEnd(26)} ${baseline}`);
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

const work = mkdtempSync(join(tmpdir(), 'palyra-fleet-'));
const stateDir = makeStateDir();
let daemon: TestDaemon | null = null;
let driver: Driver | null = null;
let profiler: PhaseProfiler | null = null;
try {
  const binary = buildDriver(work);
  const nodesFile = join(work, 'nodes.json');
  const pairStarted = Date.now();
  const ids = await pairFleet(stateDir, N, nodesFile);
  console.log(`fleet bench: ${N} nodes (paired in ${((Date.now() - pairStarted) / 1000).toFixed(1)} s), load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  daemon = await startDaemon({ stateDir, env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '1000000', PALYRA_LOG_LEVEL: 'warn', ...(PROFILE_DIR ? { NODE_OPTIONS: inspectOptions(INSPECT_PORT) } : {}) } });
  if (PROFILE_DIR) profiler = await attachProfiler(INSPECT_PORT, PROFILE_DIR);
  const phase = <T>(name: string, run: () => Promise<T>) => (profiler ? profiler.around(name, run) : run());
  const pid = daemon.ready.pid;
  const quicPort = Number((daemon.ready.quic ?? '').split(':').at(-1));
  await sleep(1_000);
  const floorCpu = await cpuPercent(pid, Math.min(IDLE_SECONDS, 10));
  const floorRss = rssKib(pid);
  const floorHeap = await heapKib(daemon);
  await profiler?.snapshot('floor');

  driver = new Driver(binary, daemon, nodesFile);
  const dialStarted = Date.now();
  const allUp = await driver.waitUp(N, 120_000);
  const connectMs = Date.now() - dialStarted;
  await waitListed(daemon, N, 30_000);
  await sleep(3_000);
  const datagramsBefore = udpDatagramsIn();
  const idleCpu = await phase('rest', () => cpuPercent(pid, IDLE_SECONDS));
  const datagramsPerSecond = (udpDatagramsIn() - datagramsBefore) / IDLE_SECONDS;
  const idleRss = rssKib(pid);
  const idleHeap = await heapKib(daemon);
  await profiler?.snapshot('rest');
  line('metric', 'with the fleet', 'baseline');
  line(`first connect of ${N} nodes`, allUp ? `${(connectMs / 1000).toFixed(1)} s` : `only ${driver.up} up after 120 s`, `refused ${driver.refused}, errors ${driver.errors}`);
  line(`daemon CPU, ${N} idle nodes (${IDLE_SECONDS} s)`, `${idleCpu.toFixed(1)} % of a core`, `0 nodes: ${floorCpu.toFixed(1)} %`);
  line('… UDP datagrams at rest, both ways', `${datagramsPerSecond.toFixed(0)}/s`, `${((datagramsPerSecond / N) * 15).toFixed(1)} per node per 15 s`);
  line('daemon RSS per connected node', `${((idleRss - floorRss) / N).toFixed(0)} KiB (${mib(idleRss)})`, `0 nodes: ${mib(floorRss)}`);
  line('… of it JS heap / external per node', `${((idleHeap.heap - floorHeap.heap) / N).toFixed(0)} / ${((idleHeap.external - floorHeap.external) / N).toFixed(0)} KiB`, `0 nodes: ${mib(floorHeap.heap)} / ${mib(floorHeap.external)}`);

  const invokes = await phase('invoke', () => invokeLoad(daemon!, ids));
  line(`echo invokes, admin HTTP, ${IN_FLIGHT} in flight`, `${invokes.perSecond.toFixed(0)}/s p50 ${invokes.p50.toFixed(1)} ms`, `p99 ${invokes.p99.toFixed(1)} ms, ${invokes.failed} failed`);
  line('… daemon CPU per invoke', `${invokes.cpuMsPerInvoke.toFixed(2)} ms`, '(load-independent: the floor is the work itself)');

  await sleep(2_000);
  const rssBeforeStorm = rssKib(pid);
  const heapBeforeStorm = await heapKib(daemon);
  const dropsBefore = udpDrops(quicPort);
  const refusedBefore = driver.refused;
  const stormStarted = Date.now();
  const healed = await phase('storm', async () => {
    driver!.send('drop');
    await sleep(200);
    return driver!.waitUp(N, 180_000);
  });
  const stormMs = Date.now() - stormStarted;
  const listedOk = await waitListed(daemon, N, 60_000);
  const listedMs = Date.now() - stormStarted;
  line(`reconnect storm: ${N} drop and redial`, healed ? `${(stormMs / 1000).toFixed(1)} s` : `only ${driver.up} up after 180 s`, `refused ${driver.refused - refusedBefore}, UDP drops ${udpDrops(quicPort) - dropsBefore}`);
  line('… node list shows exactly N connected', listedOk ? `${(listedMs / 1000).toFixed(1)} s after the drop` : 'not within 60 s', '');
  // V8 gives back heap it grew for the storm only once allocation has been low for a while (its memory reducer).
  const change = (kib: number) => `${mib(kib)} (${(((kib - rssBeforeStorm) / rssBeforeStorm) * 100).toFixed(0)} %)`;
  await sleep(5_000);
  const rssSoonAfter = rssKib(pid);
  line('… daemon RSS 5 s after the storm', change(rssSoonAfter), `before: ${mib(rssBeforeStorm)}, JS heap ${mib(heapBeforeStorm.heap)}, external ${mib(heapBeforeStorm.external)}`);
  await sleep(25_000);
  const heapAfter = await heapKib(daemon);
  line('… daemon RSS 30 s after the storm', change(rssKib(pid)), `JS heap ${mib(heapAfter.heap)}, external ${mib(heapAfter.external)}`);

  // An attached inspector session keeps an exiting process waiting for it.
  profiler?.close();
  const termStarted = Date.now();
  await daemon.stop('SIGTERM');
  line(`SIGTERM with ${N} nodes connected`, `${Date.now() - termStarted} ms`, '');
  daemon = null;
} finally {
  profiler?.close();
  driver?.stop();
  if (daemon) await daemon.stop('SIGKILL');
  removeStateDir(stateDir);
  rmSync(work, { recursive: true, force: true });
}
