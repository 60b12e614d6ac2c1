// Daemon start-up: spawn → first `/healthz` 200 on a fresh state dir, and idle RSS, vs a bare `node -e` HTTP server in the same run.
// Usage: node --import tsx bench/daemon-startup.ts [rounds=7] [idle ms before reading RSS=2000]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { DAEMON_BIN, makeStateDir, removeStateDir } from '../test/helpers/daemon.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const IDLE_MS = Number(process.argv[3] ?? 2_000);
const TARGET_START_MS = 500;
const TARGET_RSS_MIB = 100;
const POLL_MS = 5;

const BARE_SERVER = "require('node:http').createServer((_, res) => res.end('{\"status\":\"ok\"}')).listen(Number(process.argv[1]), '127.0.0.1')";

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** A port that was free a moment ago (the bench needs it before the process starts, to poll it). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function healthz(port: number): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('error', () => resolveStatus(0));
    req.end();
  });
}

function rssMib(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:')) ?? '';
  return Number(line.replace(/\D+/g, '')) / 1024;
}

interface Sample {
  startMs: number;
  rssMib: number;
}

/** Spawns `args` (which serve /healthz on `port`), times spawn → first 200, waits IDLE_MS, reads RSS, stops it. */
async function measure(args: readonly string[], port: number, env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  try {
    while ((await healthz(port)) !== 200) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}:\n${stderr}`);
      if (performance.now() - started > 30_000) throw new Error(`no /healthz 200 within 30 s:\n${stderr}`);
      await sleep(POLL_MS);
    }
    const startMs = performance.now() - started;
    await sleep(IDLE_MS);
    return { startMs, rssMib: rssMib(child.pid as number) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function daemonSample(): Promise<Sample> {
  const stateDir = makeStateDir();
  const port = await freePort();
  try {
    // The browser service is off (it would start a Chromium child, which is not the daemon's own cost).
    const env = { ...process.env, PALYRA_ADMIN_TOKEN: '', PALYRA_LOG_LEVEL: 'warn', PALYRA_BROWSER_ENABLED: 'false' };
    return await measure([DAEMON_BIN, '--state-dir', stateDir, '--http-port', String(port), '--grpc-port', '0', '--quic-port', '0'], port, env);
  } finally {
    removeStateDir(stateDir);
  }
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)] ?? NaN;
const min = (values: number[]) => sorted(values)[0] ?? NaN;

const bare: Sample[] = [];
const daemon: Sample[] = [];
// Interleaved, so a change in the machine's load hits both alike.
for (let round = 0; round < ROUNDS; round += 1) {
  const barePort = await freePort();
  bare.push(await measure(['-e', BARE_SERVER, String(barePort)], barePort));
  daemon.push(await daemonSample());
}

const row = (name: string, samples: Sample[]) => {
  const start = samples.map((sample) => sample.startMs);
  const rss = samples.map((sample) => sample.rssMib);
  return `  ${name.padEnd(34)} start→healthz median ${median(start).toFixed(0).padStart(5)} ms  min ${min(start).toFixed(0).padStart(5)} ms   idle RSS median ${median(rss).toFixed(1).padStart(6)} MiB  min ${min(rss).toFixed(1).padStart(6)} MiB`;
};
console.log(`Daemon start-up, ${ROUNDS} runs each, fresh state dir, Node ${process.versions.node}, load ${loadavg()[0]?.toFixed(2)}`);
console.log(row('bare node -e http server (floor)', bare));
console.log(row('palyrad', daemon));
const startOver = median(daemon.map((sample) => sample.startMs)) - median(bare.map((sample) => sample.startMs));
console.log(`  palyrad over the floor: +${startOver.toFixed(0)} ms start, +${(median(daemon.map((s) => s.rssMib)) - median(bare.map((s) => s.rssMib))).toFixed(1)} MiB RSS`);
console.log(`  start→healthz: ${median(daemon.map((s) => s.startMs)) <= TARGET_START_MS ? 'meets' : 'MISSES'} the ${TARGET_START_MS} ms target; idle RSS: ${median(daemon.map((s) => s.rssMib)) <= TARGET_RSS_MIB ? 'meets' : 'MISSES'} the ${TARGET_RSS_MIB} MiB target`);
