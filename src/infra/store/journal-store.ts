// SQLite implementation of the journal store: batched, hash-linked inserts and seq-ordered reads.
import { CoreError } from '../../core/errors.js';
import type { JournalDraft, JournalHead, JournalRow, JournalStore, SealRow } from '../../core/journal/store.js';
import type { Db } from './db.js';
import { WriteBatcher } from './write-batcher.js';

const COLUMNS =
  'seq, event_id, kind, actor, principal, device_id, channel, session_id, run_id, timestamp_ms, ' +
  'payload_json, redacted, prev_hash, hash, created_at_ms';

type RawRow = [
  seq: number,
  eventId: string,
  kind: string,
  actor: JournalRow['actor'],
  principal: string,
  deviceId: string,
  channel: string | null,
  sessionId: string | null,
  runId: string | null,
  timestampMs: number,
  payloadJson: string,
  redacted: number,
  prevHash: string | null,
  hash: string,
  createdAtMs: number,
];

export interface SqliteJournalStoreOptions {
  /** Share the daemon's batcher so journal rows commit with the other writes of the same tick. */
  batcher?: WriteBatcher;
}

/** The `journal_events` table. Reads are synchronous; appends go through a WriteBatcher. */
export class SqliteJournalStore implements JournalStore {
  private readonly batcher: WriteBatcher;
  private readonly ownsBatcher: boolean;
  private readonly insertRow;
  private readonly selectHeadHash;
  private readonly selectHead;
  private readonly selectPage;
  private readonly selectAll;
  private readonly selectCount;

  constructor(db: Db, options: SqliteJournalStoreOptions = {}) {
    this.ownsBatcher = options.batcher === undefined;
    this.batcher = options.batcher ?? new WriteBatcher(db);
    this.insertRow = db.prepare(
      `INSERT INTO journal_events (${COLUMNS.slice('seq, '.length)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectHeadHash = db.prepare('SELECT hash FROM journal_events ORDER BY seq DESC LIMIT 1').pluck();
    this.selectHead = db.prepare('SELECT seq, hash FROM journal_events ORDER BY seq DESC LIMIT 1');
    this.selectPage = db.prepare(`SELECT ${COLUMNS} FROM journal_events WHERE seq > ? ORDER BY seq LIMIT ?`).raw();
    this.selectAll = db.prepare(`SELECT ${COLUMNS} FROM journal_events ORDER BY seq`).raw();
    this.selectCount = db.prepare('SELECT count(*) FROM journal_events').pluck();
  }

  append(draft: JournalDraft, seal: SealRow): Promise<JournalRow> {
    return this.batcher.enqueue(() => this.insert(draft, seal)).then(unwrap);
  }

  page(afterSeq: number, limit: number): JournalRow[] {
    return (this.selectPage.all(afterSeq, limit) as RawRow[]).map(toRow);
  }

  *iterate(): IterableIterator<JournalRow> {
    for (const raw of this.selectAll.iterate() as IterableIterator<RawRow>) yield toRow(raw);
  }

  head(): JournalHead | null {
    return (this.selectHead.get() as JournalHead | undefined) ?? null;
  }

  count(): number {
    return this.selectCount.get() as number;
  }

  /** Commits pending appends; closes the batcher if this store created it. The Db stays open. */
  close(): void {
    if (this.ownsBatcher) this.batcher.close();
    else this.batcher.flush();
  }

  // Runs inside the batch's transaction: the head read here is the row this one follows, even if
  // the batch is rolled back and its writes are retried one by one. A duplicate id is returned, not
  // thrown: SQLite undoes only the failed statement, so the rest of the batch commits as it is.
  private insert(draft: JournalDraft, seal: SealRow): JournalRow | CoreError {
    const prevHash = (this.selectHeadHash.get() as string | undefined) ?? null;
    const hash = seal(prevHash);
    let seq: number;
    try {
      seq = Number(
        this.insertRow.run(
          draft.eventId,
          draft.kind,
          draft.actor,
          draft.principal,
          draft.deviceId,
          draft.channel,
          draft.sessionId,
          draft.runId,
          draft.timestampMs,
          draft.payloadJson,
          draft.redacted ? 1 : 0,
          prevHash,
          hash,
          draft.createdAtMs,
        ).lastInsertRowid,
      );
    } catch (error) {
      if (isDuplicateEventId(error)) {
        return new CoreError('already_exists', `journal event already exists: ${draft.eventId}`);
      }
      throw error;
    }
    // Spelled out: an object spread here cost as much as the INSERT itself (bench/journal-append.ts).
    return {
      seq,
      eventId: draft.eventId,
      kind: draft.kind,
      actor: draft.actor,
      principal: draft.principal,
      deviceId: draft.deviceId,
      channel: draft.channel,
      sessionId: draft.sessionId,
      runId: draft.runId,
      timestampMs: draft.timestampMs,
      payloadJson: draft.payloadJson,
      redacted: draft.redacted,
      prevHash,
      hash,
      createdAtMs: draft.createdAtMs,
    };
  }
}

function unwrap(outcome: JournalRow | CoreError): JournalRow {
  if (outcome instanceof CoreError) throw outcome;
  return outcome;
}

function isDuplicateEventId(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('journal_events.event_id');
}

function toRow(raw: RawRow): JournalRow {
  return {
    seq: raw[0],
    eventId: raw[1],
    kind: raw[2],
    actor: raw[3],
    principal: raw[4],
    deviceId: raw[5],
    channel: raw[6],
    sessionId: raw[7],
    runId: raw[8],
    timestampMs: raw[9],
    payloadJson: raw[10],
    redacted: raw[11] === 1,
    prevHash: raw[12],
    hash: raw[13],
    createdAtMs: raw[14],
  };
}
