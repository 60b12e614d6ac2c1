// Journal append throughput vs bare better-sqlite3 INSERTs of the same rows, then chain verification.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_DEVICE_ID } from '../src/core/context.js';
import { newId } from '../src/core/ids.js';
import { verifyChain } from '../src/core/journal/hash-chain.js';
import { Journal, type JournalEventInput } from '../src/core/journal/journal.js';
import { openDb, type Db } from '../src/infra/store/db.js';
import { SqliteJournalStore } from '../src/infra/store/journal-store.js';

const N = Number(process.env.BENCH_EVENTS ?? 50_000);
const BATCH = 512; // WriteBatcher's default batch size
const TARGET_RATIO = 0.5;
const ROUNDS = 3;
// One commit per row is two orders slower; a sample is enough for its rate.
const SINGLE_ROW_EVENTS = Math.min(N, 10_000);

const dir = mkdtempSync(join(tmpdir(), 'palyra-bench-'));
let files = 0;
const freshDb = (): Db => openDb(join(dir, `bench-${(files += 1)}.sqlite3`));

const sessionId = newId();
const runId = newId();
function input(index: number): JournalEventInput {
  return {
    kind: 'tool.executed',
    actor: 'agent',
    principal: 'user:bench',
    deviceId: SYSTEM_DEVICE_ID,
    channel: 'cli',
    sessionId,
    runId,
    timestampMs: 1_700_000_000_000 + index,
    payload: {
      event: 'tool.executed',
      proposal_id: runId,
      tool_name: 'fs.read_file',
      input_json: `{"path":"/srv/data/file-${index}.txt","max_bytes":65536}`,
      success: true,
      duration_ms: index % 97,
      usage: { prompt_tokens: 412, completion_tokens: 37 },
    },
  };
}
const inputs = Array.from({ length: N }, (_, index) => input(index));

const INSERT =
  'INSERT INTO journal_events (event_id, kind, actor, principal, device_id, channel, session_id, run_id, ' +
  'timestamp_ms, payload_json, redacted, prev_hash, hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)';

/** Bare library: mint an id, serialise the payload, INSERT; hash left empty. */
function plainInsert(db: Db, rows: JournalEventInput[], batchSize: number): void {
  const insert = db.prepare(INSERT);
  const write = (row: JournalEventInput) =>
    insert.run(newId(), row.kind, row.actor, row.principal, row.deviceId, row.channel, row.sessionId, row.runId, row.timestampMs, JSON.stringify(row.payload), '', Date.now());
  const writeMany = db.transaction((slice: JournalEventInput[]) => slice.forEach(write));
  if (batchSize === 1) rows.forEach(write);
  else for (let start = 0; start < rows.length; start += batchSize) writeMany(rows.slice(start, start + batchSize));
}

async function journalAppend(db: Db, rows: JournalEventInput[]): Promise<SqliteJournalStore> {
  const store = new SqliteJournalStore(db);
  const journal = new Journal(store);
  await Promise.all(rows.map((row) => journal.append(row)));
  return store;
}

function rate(events: number, ms: number): string {
  return `${Math.round((events / ms) * 1000).toLocaleString('en-US')} events/s`;
}

async function timed<T>(run: () => T | Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

async function main(): Promise<void> {
  // Warm the JIT on every path before measuring.
  const warm = inputs.slice(0, 2000);
  plainInsert(freshDb(), warm, BATCH);
  (await journalAppend(freshDb(), warm)).close();

  // Rounds alternate so a noisy neighbour slows both sides alike; each side keeps its best round.
  const singleRows = inputs.slice(0, SINGLE_ROW_EVENTS);
  const [, plainSingleMs] = await timed(() => plainInsert(freshDb(), singleRows, 1));
  let plainBatchedMs = Infinity;
  let journalMs = Infinity;
  let store: SqliteJournalStore | undefined;
  for (let round = 0; round < ROUNDS; round += 1) {
    plainBatchedMs = Math.min(plainBatchedMs, (await timed(() => plainInsert(freshDb(), inputs, BATCH)))[1]);
    store?.close();
    const [roundStore, ms] = await timed(() => journalAppend(freshDb(), inputs));
    store = roundStore;
    journalMs = Math.min(journalMs, ms);
  }
  if (!store) throw new Error('no rounds ran');

  const [verdict, verifyMs] = await timed(() => verifyChain(store.iterate()));
  const [pagedVerdict, pagedVerifyMs] = await timed(() => new Journal(store).verify());
  if (!verdict.ok || verdict.count !== N || !pagedVerdict.ok) throw new Error(`chain not intact: ${JSON.stringify(verdict)}`);
  store.close();

  const ratio = plainBatchedMs / journalMs;
  const payloadBytes = JSON.stringify(inputs[0]?.payload).length;
  console.log(`journal append bench: ${N.toLocaleString('en-US')} events of ~${payloadBytes} B payload, best of ${ROUNDS} rounds`);
  console.log(`  (load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs)`);
  console.log(`  plain INSERT, 1 row per transaction      ${rate(singleRows.length, plainSingleMs)}  (${singleRows.length} rows)`);
  console.log(`  plain INSERT, ${BATCH} rows per transaction  ${rate(N, plainBatchedMs)}  (${plainBatchedMs.toFixed(0)} ms)`);
  console.log(`  Journal.append, all concurrent           ${rate(N, journalMs)}  (${journalMs.toFixed(0)} ms)`);
  console.log(`  ratio vs plain batched: ${ratio.toFixed(2)} (target >= ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`);
  console.log(`  ratio vs plain 1-row:   ${(plainSingleMs / singleRows.length / (journalMs / N)).toFixed(2)}`);
  console.log(`  verifyChain(iterate()), streamed         ${rate(N, verifyMs)}  (${verifyMs.toFixed(0)} ms)`);
  console.log(`  Journal.verify(), paged                  ${rate(N, pagedVerifyMs)}  (${pagedVerifyMs.toFixed(0)} ms)`);
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
