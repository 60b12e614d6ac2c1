// Run engine with the built-in model: events/s through tape + bus, submit → first token latency, vs bare SQLite + EventEmitter.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createContext, type CallContext } from '../src/core/context.js';
import { newId } from '../src/core/ids.js';
import { type Core, createCore } from '../src/core/index.js';
import { createBuiltinTools } from '../src/core/tools/builtin/index.js';
import { createBuiltinModel } from '../src/infra/models/builtin-model.js';
import { DB_FILE_NAME, openDb } from '../src/infra/store/db.js';
import { createSqliteStores } from '../src/infra/store/sqlite-stores.js';
import { WriteBatcher } from '../src/infra/store/write-batcher.js';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 20_000);
const CONCURRENT = 8;
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 300);
const ROUNDS = 2;
/** A second round starts only while the run is younger than this, to stay under a minute in all. */
const ROUND_BUDGET_MS = 25_000;
const TARGET_RATIO = 0.3;
const BATCH = 512; // WriteBatcher's default batch size
const WATCH_TIMEOUT_MS = 30_000;

const dir = mkdtempSync(join(tmpdir(), 'palyra-bench-'));

interface BenchCore {
  core: Core;
  ctx: CallContext;
  close(): Promise<void>;
}

/** A real core over its own SQLite file, wired as the daemon wires it. */
function openBenchCore(name: string): BenchCore {
  const db = openDb(join(dir, name, DB_FILE_NAME));
  const batcher = new WriteBatcher(db);
  const core = createCore({
    stores: createSqliteStores(db, batcher),
    model: createBuiltinModel(),
    tools: createBuiltinTools({ httpFetch: { allowPrivateNetworks: false, allowedHosts: [], maxBytes: 1 << 20 }, process: { allowedCommands: [] } }),
    adminToken: 'bench-admin-token-0123456789abcdef0123456789',
  });
  const ctx = createContext({ principal: 'user:bench', deviceId: newId(), scopes: ['*'], credential: 'api_token' });
  return {
    core,
    ctx,
    async close() {
      await core.shutdown();
      batcher.close();
      db.close();
    },
  };
}

interface Watched {
  events: number;
  firstTokenMs: number;
  startedMs: number;
}

/** Starts one run and consumes its tape live until the final status; times are from the start call. */
async function runAndWatch({ core, ctx }: BenchCore, prompt: string): Promise<Watched> {
  const t0 = performance.now();
  const handle = await core.runs.start(ctx, { prompt, closeAfterPrompt: true });
  const startedMs = performance.now() - t0;
  let events = 0;
  let firstTokenMs = -1;
  let last = '';
  for await (const event of core.runs.watch(ctx, handle.runId, -1, AbortSignal.timeout(WATCH_TIMEOUT_MS))) {
    events += 1;
    if (firstTokenMs < 0 && event.type === 'model_token') firstTokenMs = performance.now() - t0;
    last = `${event.type}:${String(event.payload.kind)}`;
  }
  if (last !== 'status:done') throw new Error(`run ${handle.runId} ended with ${last}, not status:done`);
  return { events, firstTokenMs, startedMs };
}

interface Measure {
  events: number;
  ms: number;
}

async function engineThroughput(bench: BenchCore, runs: number): Promise<Measure> {
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: runs }, () => runAndWatch(bench, `@tokens ${TOKENS}`)));
  return { events: results.reduce((sum, result) => sum + result.events, 0), ms: performance.now() - start };
}

interface BareRow {
  runId: string;
  seq: number;
  eventType: string;
  payloadJson: string;
  createdAtMs: number;
}

/**
 * The bare library: run_tape's shape, one prepared INSERT, the rows queued in one tick committed in one
 * transaction (at most BATCH, as WriteBatcher does), then one EventEmitter publish per committed row.
 */
function openBareTape(name: string) {
  const db = new Database(join(dir, `${name}.sqlite3`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE run_tape (run_id TEXT NOT NULL, seq INTEGER NOT NULL, event_type TEXT NOT NULL,
    payload_json TEXT NOT NULL, created_at_ms INTEGER NOT NULL, PRIMARY KEY (run_id, seq)) STRICT, WITHOUT ROWID`);
  const insert = db.prepare('INSERT INTO run_tape (run_id, seq, event_type, payload_json, created_at_ms) VALUES (?, ?, ?, ?, ?)');
  const writeMany = db.transaction((rows: BareRow[]) => {
    for (const row of rows) insert.run(row.runId, row.seq, row.eventType, row.payloadJson, row.createdAtMs);
  });
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let queue: Array<{ row: BareRow; resolve: () => void }> = [];
  let scheduled = false;
  const flush = () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, BATCH);
      queue = queue.slice(BATCH);
      writeMany(batch.map((item) => item.row));
      for (const item of batch) {
        bus.emit(item.row.runId, item.row);
        item.resolve();
      }
    }
  };
  const append = (row: BareRow) =>
    new Promise<void>((resolve) => {
      queue.push({ row, resolve });
      if (queue.length >= BATCH) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    });
  return { bus, append, close: () => db.close() };
}

/**
 * `runs` producers of `rowsPerRun` rows each, with one listener per run counting them. With
 * `awaitEach`, every producer waits for its row's commit before the next one, as the engine does.
 */
async function bareThroughput(name: string, runs: number, rowsPerRun: number, awaitEach: boolean): Promise<Measure> {
  const tape = openBareTape(name);
  const runIds = Array.from({ length: runs }, () => newId());
  const start = performance.now();
  const consumed = runIds.map(
    (runId) =>
      new Promise<void>((resolve) => {
        let count = 0;
        tape.bus.on(runId, () => {
          count += 1;
          if (count === rowsPerRun) resolve();
        });
      }),
  );
  const produce = async (runId: string) => {
    for (let seq = 0; seq < rowsPerRun; seq += 1) {
      const row = { runId, seq, eventType: 'model_token', payloadJson: JSON.stringify({ token: ` t${seq}`, is_final: false }), createdAtMs: Date.now() };
      if (awaitEach) await tape.append(row);
      else void tape.append(row);
    }
  };
  await Promise.all(runIds.map(produce));
  await Promise.all(consumed);
  const ms = performance.now() - start;
  tape.close();
  return { events: runs * rowsPerRun, ms };
}

function perSecond(measure: { events: number; ms: number }): number {
  return (measure.events / measure.ms) * 1000;
}

function faster<T extends { ms: number }>(a: T | undefined, b: T): T {
  return a && a.ms <= b.ms ? a : b;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const wall = performance.now();
  const bench = openBenchCore('engine');
  try {
    // Warm the JIT on every path before measuring.
    await runAndWatch(bench, '@tokens 2000');
    await bareThroughput('warm', 1, 2000, false);
    await bareThroughput('warm-await', 1, 2000, true);

    // Rounds alternate engine and bare so a noisy neighbour slows both alike; each keeps its best round.
    let one: Measure | undefined;
    let many: Measure | undefined;
    let bareOne: Measure | undefined;
    let bareMany: Measure | undefined;
    let rounds = 0;
    while (rounds < ROUNDS && (rounds === 0 || performance.now() - wall < ROUND_BUDGET_MS)) {
      rounds += 1;
      one = faster(one, await engineThroughput(bench, 1));
      bareOne = faster(bareOne, await bareThroughput(`bare-1-${rounds}`, 1, one.events, false));
      many = faster(many, await engineThroughput(bench, CONCURRENT));
      bareMany = faster(bareMany, await bareThroughput(`bare-n-${rounds}`, CONCURRENT, one.events, false));
    }
    if (!one || !many || !bareOne || !bareMany) throw new Error('no rounds ran');
    const rowsPerRun = one.events;
    // The engine's shape without its code: each producer waits for its row's commit, so one row per run per tick.
    const bareOneAwait = await bareThroughput('bare-1-await', 1, rowsPerRun, true);
    const bareManyAwait = await bareThroughput('bare-n-await', CONCURRENT, rowsPerRun, true);
    const throughputSeconds = (performance.now() - wall) / 1000;

    const firstToken: number[] = [];
    const accepted: number[] = [];
    for (let index = 0; index < LATENCY_RUNS; index += 1) {
      const watched = await runAndWatch(bench, 'hello there');
      firstToken.push(watched.firstTokenMs);
      accepted.push(watched.startedMs);
    }
    firstToken.sort((a, b) => a - b);
    accepted.sort((a, b) => a - b);

    const ratioOne = perSecond(one) / perSecond(bareOne);
    const ratioMany = perSecond(many) / perSecond(bareMany);
    const verdict = (ratio: number) => `${ratio.toFixed(2)} (target >= ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`;
    const line = (label: string, measure: Measure) =>
      console.log(`  ${label.padEnd(52)} ${Math.round(perSecond(measure)).toLocaleString('en-US').padStart(9)} events/s  (${measure.events} events, ${measure.ms.toFixed(0)} ms)`);
    const ms = (sorted: number[]) => `p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`;
    console.log(`run engine bench: built-in model, @tokens ${TOKENS} (${rowsPerRun} events per run), best of ${rounds} rounds`);
    console.log(`  (load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs)`);
    line('engine, 1 run (start → live watch → final status)', one);
    line(`engine, ${CONCURRENT} concurrent runs, aggregate`, many);
    line('bare SQLite + EventEmitter, batched per tick, 1 run', bareOne);
    line(`bare, batched per tick, ${CONCURRENT} runs`, bareMany);
    line('bare, producer awaits each commit, 1 run', bareOneAwait);
    line(`bare, producer awaits each commit, ${CONCURRENT} runs`, bareManyAwait);
    console.log(`  ratio engine/bare batched, 1 run:   ${verdict(ratioOne)}`);
    console.log(`  ratio engine/bare batched, ${CONCURRENT} runs:  ${verdict(ratioMany)}`);
    console.log(`  ratio engine/bare awaiting each commit: 1 run ${(perSecond(one) / perSecond(bareOneAwait)).toFixed(2)}, ${CONCURRENT} runs ${(perSecond(many) / perSecond(bareManyAwait)).toFixed(2)}`);
    console.log(`  submit → first model_token seen, ${LATENCY_RUNS} sequential runs: ${ms(firstToken)}`);
    console.log(`  submit → start() resolved (ACCEPTED taped):         ${ms(accepted)}`);
    console.log(`  time: throughput ${throughputSeconds.toFixed(1)} s, total ${((performance.now() - wall) / 1000).toFixed(1)} s`);
  } finally {
    await bench.close();
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
