// SQLite implementation of the RunStore port: runs and their append-only tapes, written in order.
import type { RunListFilter, RunPatch, RunRecord, RunStore, TapeRow } from '../../core/runs/store.js';
import { bindList } from './bind-list.js';
import type { Db } from './db.js';
import { statementCache } from './statement-cache.js';
import type { WriteBatcher } from './write-batcher.js';

interface RunRow {
  run_id: string;
  session_id: string;
  principal: string;
  device_id: string;
  channel: string | null;
  state: RunRecord['state'];
  model: string;
  created_at_ms: number;
  updated_at_ms: number;
  finished_at_ms: number | null;
  cancel_requested: number;
  cancel_reason: string | null;
  failure_reason: string | null;
  last_error: string | null;
  prompt_tokens: number;
  completion_tokens: number;
}

interface TapeDbRow {
  run_id: string;
  seq: number;
  event_type: string;
  payload_json: string;
  created_at_ms: number;
}

const PATCH_COLUMNS: Record<keyof RunPatch, string> = {
  state: 'state',
  finishedAtMs: 'finished_at_ms',
  cancelRequested: 'cancel_requested',
  cancelReason: 'cancel_reason',
  failureReason: 'failure_reason',
  lastError: 'last_error',
  promptTokens: 'prompt_tokens',
  completionTokens: 'completion_tokens',
  updatedAtMs: 'updated_at_ms',
};

/** Run rows and tape rows go through one WriteBatcher, so they commit in the order they were made. */
export function createRunStore(db: Db, batcher: WriteBatcher): RunStore {
  const insertRun = db.prepare(`INSERT INTO runs (run_id, session_id, principal, device_id, channel, state, model, created_at_ms, updated_at_ms,
      finished_at_ms, cancel_requested, cancel_reason, failure_reason, last_error, prompt_tokens, completion_tokens)
    VALUES (@runId, @sessionId, @principal, @deviceId, @channel, @state, @model, @createdAtMs, @updatedAtMs,
      @finishedAtMs, @cancelRequested, @cancelReason, @failureReason, @lastError, @promptTokens, @completionTokens)`);
  const byId = db.prepare<[string], RunRow>('SELECT * FROM runs WHERE run_id = ?');
  const unfinished = db.prepare<[], RunRow>("SELECT * FROM runs WHERE state IN ('accepted', 'in_progress') ORDER BY run_id");
  const insertTape = db.prepare('INSERT INTO run_tape (run_id, seq, event_type, payload_json, created_at_ms) VALUES (@runId, @seq, @eventType, @payloadJson, @createdAtMs)');
  const readTape = db.prepare<[string, number, number], TapeDbRow>('SELECT * FROM run_tape WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?');
  const lastSeq = db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM run_tape WHERE run_id = ?');
  const countTape = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM run_tape WHERE run_id = ?');
  const prepare = statementCache(db);
  const updateStatement = (keys: (keyof RunPatch)[]) => prepare(`UPDATE runs SET ${keys.map((key) => `${PATCH_COLUMNS[key]} = @${key}`).join(', ')} WHERE run_id = @runId`);

  return {
    insertRun: (run) => batcher.enqueue(() => void insertRun.run({ ...run, cancelRequested: run.cancelRequested ? 1 : 0 })),
    updateRun: (runId, patch) => {
      const keys = (Object.keys(patch) as (keyof RunPatch)[]).filter((key) => patch[key] !== undefined).sort();
      const params: Record<string, unknown> = { runId, ...patch };
      if (patch.cancelRequested !== undefined) params.cancelRequested = patch.cancelRequested ? 1 : 0;
      return batcher.enqueue(() => void updateStatement(keys).run(params));
    },
    getRun: (runId) => mapRun(byId.get(runId)),
    listRuns: (filter: RunListFilter) => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      if (filter.owner) {
        where.push('principal = @principal AND device_id = @deviceId AND channel IS @channel');
        Object.assign(params, filter.owner);
      }
      if (filter.sessionId) {
        where.push('session_id = @sessionId');
        params.sessionId = filter.sessionId;
      }
      if (filter.states && filter.states.length > 0) where.push(`state IN (${bindList(filter.states, params, 'state')})`);
      if (filter.afterRunId) {
        where.push('run_id > @after');
        params.after = filter.afterRunId;
      }
      const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY run_id LIMIT @limit`;
      return prepare<Record<string, unknown>, RunRow>(sql).all(params).map((row) => mapRun(row) as RunRecord);
    },
    listUnfinishedRuns: () => unfinished.all().map((row) => mapRun(row) as RunRecord),
    appendTape: (row: TapeRow) => batcher.enqueue(() => void insertTape.run(row)),
    readTape: (runId, afterSeq, limit) =>
      readTape.all(runId, afterSeq, limit).map((row) => ({
        runId: row.run_id,
        seq: row.seq,
        eventType: row.event_type,
        payloadJson: row.payload_json,
        createdAtMs: row.created_at_ms,
      })),
    lastTapeSeq: (runId) => lastSeq.get(runId)?.seq ?? -1,
    countTape: (runId) => countTape.get(runId)?.n ?? 0,
  };
}

function mapRun(row: RunRow | undefined): RunRecord | undefined {
  if (!row) return undefined;
  return {
    runId: row.run_id,
    sessionId: row.session_id,
    principal: row.principal,
    deviceId: row.device_id,
    channel: row.channel,
    state: row.state,
    model: row.model,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    finishedAtMs: row.finished_at_ms,
    cancelRequested: row.cancel_requested === 1,
    cancelReason: row.cancel_reason,
    failureReason: row.failure_reason,
    lastError: row.last_error,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
  };
}
