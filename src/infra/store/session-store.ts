// SQLite implementation of the SessionStore port.
import type { SessionListFilter, SessionRecord, SessionStore } from '../../core/sessions/store.js';
import type { Db } from './db.js';
import { statementCache } from './statement-cache.js';

interface SessionRow {
  session_id: string;
  session_key: string;
  label: string | null;
  principal: string;
  device_id: string;
  channel: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  archived_at_ms: number | null;
  last_run_id: string | null;
}

export function createSessionStore(db: Db): SessionStore {
  const insert = db.prepare(`INSERT INTO sessions (session_id, session_key, label, principal, device_id, channel, created_at_ms, updated_at_ms, archived_at_ms, last_run_id)
    VALUES (@sessionId, @sessionKey, @label, @principal, @deviceId, @channel, @createdAtMs, @updatedAtMs, @archivedAtMs, @lastRunId)`);
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE session_id = ?');
  const byKey = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE session_key = ?');
  const archive = db.prepare('UPDATE sessions SET archived_at_ms = ?, session_key = ?, updated_at_ms = ? WHERE session_id = ?');
  const touch = db.prepare('UPDATE sessions SET last_run_id = ?, updated_at_ms = ? WHERE session_id = ?');
  const runCount = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM runs WHERE session_id = ?');
  const prepare = statementCache(db);

  return {
    insertSession: (session) => void insert.run(session),
    getSession: (sessionId) => mapRow(byId.get(sessionId)),
    getSessionByKey: (sessionKey) => mapRow(byKey.get(sessionKey)),
    listSessions: (filter: SessionListFilter) => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      if (filter.owner) {
        where.push('principal = @principal AND device_id = @deviceId AND channel IS @channel');
        Object.assign(params, filter.owner);
      }
      if (filter.afterSessionId) {
        where.push('session_id > @after');
        params.after = filter.afterSessionId;
      }
      if (filter.query) {
        where.push("(instr(lower(session_key), @query) > 0 OR instr(lower(coalesce(label, '')), @query) > 0)");
        params.query = filter.query;
      }
      if (!filter.includeArchived) where.push('archived_at_ms IS NULL');
      const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY session_id LIMIT @limit`;
      return prepare<Record<string, unknown>, SessionRow>(sql).all(params).map((row) => mapRow(row) as SessionRecord);
    },
    archiveSession: (sessionId, newKey, atMs) => void archive.run(atMs, newKey, atMs, sessionId),
    touchSession: (sessionId, lastRunId, atMs) => void touch.run(lastRunId, atMs, sessionId),
    countRuns: (sessionId) => runCount.get(sessionId)?.n ?? 0,
  };
}

function mapRow(row: SessionRow | undefined): SessionRecord | undefined {
  if (!row) return undefined;
  return {
    sessionId: row.session_id,
    sessionKey: row.session_key,
    label: row.label,
    principal: row.principal,
    deviceId: row.device_id,
    channel: row.channel,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    archivedAtMs: row.archived_at_ms,
    lastRunId: row.last_run_id,
  };
}
