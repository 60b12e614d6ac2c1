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
// One commit per row is far slower; a sample is enough for its rate.
const SINGLE_ROW_EVENTS = Math.min(N, 10_000);
// Same width as a real SHA-256 hex digest, so the bare rows take the same bytes on disk.
const PLACEHOLDER_HASH = '0'.repeat(64);

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
  'timestamp_ms, payload_json, redacted, prev_hash, hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)';

/**
 * Bare library: mint an id, serialise the payload, INSERT. `hashText` fills prev_hash and hash:
 * a 64-character placeholder (same bytes as a chained row) or '' / NULL (the smallest row).
 */
function plainInsert(db: Db, rows: JournalEventInput[], batchSize: number, hashText: string): void {
  const insert = db.prepare(INSERT);
  const prevHash = hashText === '' ? null : hashText;
  const write = (row: JournalEventInput) =>
    insert.run(
      newId(),
      row.kind,
      row.actor,
      row.principal,
      row.deviceId,
      row.channel,
      row.sessionId,
      row.runId,
      row.timestampMs,
      JSON.stringify(row.payload),
      prevHash,
      hashText,
      Date.now(),
    );
  const writeMany = db.transaction((slice: JournalEventInput[]) => slice.forEach(write));
  if (batchSize === 1) rows.forEach(write);
  else for (let start = 0; start < rows.length; start += batchSize) writeMany(rows.slice(start, start + batchSize));
}

/**
 * Journal.append as a daemon issues it: `wave` appends at a time from concurrent callers, awaited
 * together (one tick, one batch), or every row at once when `wave` is the row count.
 */
async function journalAppend(db: Db, rows: JournalEventInput[], wave: number): Promise<SqliteJournalStore> {
  const store = new SqliteJournalStore(db);
  const journal = new Journal(store);
  for (let start = 0; start < rows.length; start += wave) {
    await Promise.all(rows.slice(start, start + wave).map((row) => journal.append(row)));
  }
  return store;
}

function rate(events: number, ms: number): string {
  return `${Math.round((events / ms) * 1000).toLocaleString('en-US')} events/s`.padStart(17);
}

async function timed<T>(run: () => T | Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

async function main(): Promise<void> {
  // Warm the JIT on every path before measuring.
  const warm = inputs.slice(0, 2000);
  plainInsert(freshDb(), warm, BATCH, PLACEHOLDER_HASH);
  (await journalAppend(freshDb(), warm, BATCH)).close();

  const singleRows = inputs.slice(0, SINGLE_ROW_EVENTS);
  const [, plainSingleMs] = await timed(() => plainInsert(freshDb(), singleRows, 1, PLACEHOLDER_HASH));
  // Rounds alternate so a noisy neighbour slows every side alike; each side keeps its best round.
  let plainMs = Infinity;
  let plainEmptyMs = Infinity;
  let journalMs = Infinity;
  let burstMs = Infinity;
  let store: SqliteJournalStore | undefined;
  for (let round = 0; round < ROUNDS; round += 1) {
    plainMs = Math.min(plainMs, (await timed(() => plainInsert(freshDb(), inputs, BATCH, PLACEHOLDER_HASH)))[1]);
    plainEmptyMs = Math.min(plainEmptyMs, (await timed(() => plainInsert(freshDb(), inputs, BATCH, '')))[1]);
    const [burstStore, allMs] = await timed(() => journalAppend(freshDb(), inputs, N));
    burstStore.close();
    burstMs = Math.min(burstMs, allMs);
    store?.close();
    const [roundStore, ms] = await timed(() => journalAppend(freshDb(), inputs, BATCH));
    store = roundStore;
    journalMs = Math.min(journalMs, ms);
  }
  if (!store) throw new Error('no rounds ran');

  const journalStore = store;
  const [verdict, verifyMs] = await timed(() => verifyChain(journalStore.iterate()));
  const pagedJournal = new Journal(journalStore);
  const [pagedVerdict, pagedVerifyMs] = await timed(() => pagedJournal.verify({ full: true }));
  // What the console's audit page pays per request once a verify ran: 100 new events, then a resumed walk.
  await Promise.all(inputs.slice(0, 100).map((event) => pagedJournal.append({ ...event, eventId: newId() })));
  const [resumedVerdict, resumedVerifyMs] = await timed(() => pagedJournal.verify());
  if (!verdict.ok || verdict.count !== N || !pagedVerdict.ok || !resumedVerdict.ok || resumedVerdict.count !== N + 100) {
    throw new Error(`chain not intact: ${JSON.stringify([verdict, pagedVerdict, resumedVerdict])}`);
  }
  journalStore.close();

  const ratio = plainMs / journalMs;
  const payloadBytes = JSON.stringify(inputs[0]?.payload).length;
  console.log(`journal append: ${N.toLocaleString('en-US')} events, ~${payloadBytes} B payload, best of ${ROUNDS} rounds`);
  console.log(`  (load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs)`);
  console.log(`  plain INSERT, 1 row per transaction        ${rate(singleRows.length, plainSingleMs)}  (${singleRows.length} rows)`);
  console.log(`  plain INSERT, ${BATCH} rows per transaction    ${rate(N, plainMs)}  (${plainMs.toFixed(0)} ms)`);
  console.log(`  same, hash columns empty (smaller rows)    ${rate(N, plainEmptyMs)}  (${plainEmptyMs.toFixed(0)} ms)`);
  console.log(`  Journal.append, ${BATCH} concurrent per tick   ${rate(N, journalMs)}  (${journalMs.toFixed(0)} ms)`);
  console.log(`  Journal.append, all ${N} at once        ${rate(N, burstMs)}  (${burstMs.toFixed(0)} ms)`);
  const verdictText = ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET';
  console.log(`  ratio vs plain batched:    ${ratio.toFixed(2)} (target >= ${TARGET_RATIO}) ${verdictText}`);
  console.log(`  ratio vs empty-hash rows:  ${(plainEmptyMs / journalMs).toFixed(2)}`);
  console.log(`  ratio, all at once:        ${(plainMs / burstMs).toFixed(2)}`);
  console.log(`  ratio vs plain 1-row:      ${(plainSingleMs / singleRows.length / (journalMs / N)).toFixed(2)}`);
  console.log(`  verifyChain(iterate()), streamed           ${rate(N, verifyMs)}  (${verifyMs.toFixed(0)} ms)`);
  console.log(`  Journal.verify({ full }), paged            ${rate(N, pagedVerifyMs)}  (${pagedVerifyMs.toFixed(0)} ms)`);
  console.log(`  Journal.verify() resumed after +100 events ${resumedVerifyMs.toFixed(2)} ms (full walk ${(pagedVerifyMs / resumedVerifyMs).toFixed(0)}x longer)`);
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
