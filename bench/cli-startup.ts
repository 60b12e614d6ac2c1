// CLI start-up: wall time of `palyra version` and `palyra status` (against a real daemon) vs a bare `node -e 0` in the same run.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { CLI_BIN, removeStateDir, startDaemon } from '../test/helpers/daemon.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const TARGET_MS = 150;

function timeCommand(args: readonly string[]): number[] {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
    samples.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return samples.sort((a, b) => a - b);
}

const median = (samples: readonly number[]) => samples[Math.floor(samples.length / 2)] ?? NaN;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

const daemon = await startDaemon();
try {
  const target = ['--url', daemon.ready.http, '--grpc', daemon.ready.grpc, '--state-dir', daemon.stateDir];
  const bare = timeCommand(['-e', '0']);
  const cases: Array<[string, number[]]> = [
    ['palyra version', timeCommand([CLI_BIN, 'version'])],
    ['palyra status', timeCommand([CLI_BIN, ...target, 'status'])],
    ['palyra --help', timeCommand([CLI_BIN, '--help'])],
    ['palyra sessions list (gRPC)', timeCommand([CLI_BIN, ...target, 'sessions', 'list'])],
  ];
  console.log(`CLI start-up, ${ROUNDS} runs each, Node ${process.versions.node}, load ${loadavg()[0]?.toFixed(2)}`);
  console.log(`  bare node -e 0              median ${fmt(median(bare))}  min ${fmt(bare[0] ?? NaN)}`);
  for (const [name, samples] of cases) {
    const overhead = median(samples) - median(bare);
    console.log(`  ${name.padEnd(28)} median ${fmt(median(samples))}  min ${fmt(samples[0] ?? NaN)}  ratio to bare ${(median(samples) / median(bare)).toFixed(2)}  (+${fmt(overhead)})`);
  }
  for (const [name, samples] of cases.slice(0, 2)) {
    const verdict = median(samples) <= TARGET_MS ? 'meets' : 'MISSES';
    console.log(`  ${name}: ${verdict} the ${TARGET_MS} ms target`);
  }
} finally {
  await daemon.stop();
  removeStateDir(daemon.stateDir);
}
