// SQLite implementation of the NodeTaskStore port (the durable per-node task queue).
import type { NodeTaskRecord, NodeTaskStore } from '../../core/nodes/store.js';
import type { Db } from './db.js';
import { bindList } from './bind-list.js';
import { statementCache } from './statement-cache.js';
import type { WriteBatcher } from './write-batcher.js';

const COLUMNS: Record<keyof NodeTaskRecord, string> = {
  taskId: 'task_id',
  deviceId: 'device_id',
  capability: 'capability',
  inputJson: 'input_json',
  state: 'state',
  attempt: 'attempt',
  maxOutputBytes: 'max_output_bytes',
  createdAtMs: 'created_at_ms',
  deadlineMs: 'deadline_ms',
  deliveredAtMs: 'delivered_at_ms',
  finishedAtMs: 'finished_at_ms',
  updatedAtMs: 'updated_at_ms',
  progressStage: 'progress_stage',
  success: 'success',
  resultJson: 'result_json',
  error: 'error',
  requestedBy: 'requested_by',
  runId: 'run_id',
  sessionId: 'session_id',
};

type TaskRow = Record<string, unknown> & { success: number | null };

/** Task rows go through the daemon's WriteBatcher: they commit with the journal events of the same tick, in order. */
export function createNodeTaskStore(db: Db, batcher: WriteBatcher): NodeTaskStore {
  const upsert = db.prepare(
    `INSERT INTO node_tasks (${Object.values(COLUMNS).join(', ')}) VALUES (${Object.keys(COLUMNS).map((key) => `@${key}`).join(', ')})
     ON CONFLICT (task_id) DO UPDATE SET ${Object.values(COLUMNS).filter((column) => column !== 'task_id').map((column) => `${column} = excluded.${column}`).join(', ')}`,
  );
  const byId = db.prepare<[string], TaskRow>('SELECT * FROM node_tasks WHERE task_id = ?');
  const prepare = statementCache(db);
  const prune = db.prepare("DELETE FROM node_tasks WHERE finished_at_ms IS NOT NULL AND finished_at_ms < ? AND state NOT IN ('queued', 'delivered', 'running')");

  return {
    saveTask: (record) => {
      const row = encode(record);
      return batcher.enqueue(() => void upsert.run(row));
    },
    getTask: (taskId) => decode(byId.get(taskId)),
    listTasks: (filter) => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      if (filter.deviceId) {
        where.push('device_id = @deviceId');
        params.deviceId = filter.deviceId;
      }
      if (filter.states) where.push(`state IN (${bindList(filter.states, params, 's')})`);
      if (filter.afterTaskId) {
        where.push('task_id > @after');
        params.after = filter.afterTaskId;
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      return prepare<Record<string, unknown>, TaskRow>(`SELECT * FROM node_tasks ${clause} ORDER BY task_id LIMIT @limit`)
        .all(params)
        .map((row) => decode(row) as NodeTaskRecord);
    },
    deleteFinishedBefore: (beforeMs) => prune.run(beforeMs).changes,
  };
}

function encode(record: NodeTaskRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  if (typeof record.success === 'boolean') out.success = record.success ? 1 : 0;
  return out;
}

function decode(row: TaskRow | undefined): NodeTaskRecord | undefined {
  if (!row) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMNS)) out[key] = row[column];
  out.success = row.success === null ? null : row.success === 1;
  return out as unknown as NodeTaskRecord;
}
