// SQLite implementation of the CredentialStore port (tokens and console sessions; hashes only).
import type { ConsoleSessionRecord, CredentialRecord, CredentialStore } from '../../core/auth/store.js';
import type { Db } from './db.js';
import { statementCache } from './statement-cache.js';

interface CredentialRow {
  token_id: string;
  kind: CredentialRecord['kind'];
  name: string;
  secret_hash: string;
  principal: string;
  device_id: string | null;
  channel: string | null;
  scopes_json: string;
  created_by: string;
  parent_id: string | null;
  created_at_ms: number;
  expires_at_ms: number | null;
  revoked_at_ms: number | null;
  last_used_ms: number | null;
}

interface ConsoleRow {
  session_id: string;
  token_hash: string;
  csrf_hash: string;
  principal: string;
  device_id: string;
  channel: string | null;
  created_at_ms: number;
  last_seen_ms: number;
  expires_at_ms: number;
  revoked_at_ms: number | null;
}

export function createCredentialStore(db: Db): CredentialStore {
  const insert = db.prepare(`INSERT INTO credentials (token_id, kind, name, secret_hash, principal, device_id, channel, scopes_json, created_by, parent_id,
      created_at_ms, expires_at_ms, revoked_at_ms, last_used_ms)
    VALUES (@tokenId, @kind, @name, @secretHash, @principal, @deviceId, @channel, @scopesJson, @createdBy, @parentId, @createdAtMs, @expiresAtMs, @revokedAtMs, @lastUsedMs)`);
  const prepare = statementCache(db);
  const byId = db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE token_id = ?');
  // The whole tree: a session token exchanged from a session token exchanged from this one dies with it too.
  const revoke = db.prepare(`WITH RECURSIVE minted(id) AS (SELECT @id UNION SELECT c.token_id FROM credentials c JOIN minted m ON c.parent_id = m.id)
    UPDATE credentials SET revoked_at_ms = @at WHERE token_id IN (SELECT id FROM minted) AND revoked_at_ms IS NULL`);
  const touch = db.prepare('UPDATE credentials SET last_used_ms = ? WHERE token_id = ?');
  const insertConsole = db.prepare(`INSERT INTO console_sessions (session_id, token_hash, csrf_hash, principal, device_id, channel, created_at_ms, last_seen_ms, expires_at_ms, revoked_at_ms)
    VALUES (@sessionId, @tokenHash, @csrfHash, @principal, @deviceId, @channel, @createdAtMs, @lastSeenMs, @expiresAtMs, @revokedAtMs)`);
  const consoleByHash = db.prepare<[string], ConsoleRow>('SELECT * FROM console_sessions WHERE token_hash = ?');
  const touchConsole = db.prepare('UPDATE console_sessions SET last_seen_ms = ? WHERE session_id = ?');
  const revokeConsole = db.prepare('UPDATE console_sessions SET revoked_at_ms = ? WHERE session_id = ? AND revoked_at_ms IS NULL');

  return {
    insertCredential: (record) => void insert.run({ ...record, scopesJson: JSON.stringify(record.scopes) }),
    getCredential: (tokenId) => mapCredential(byId.get(tokenId)),
    listCredentials: (filter) => {
      const where = ['kind = @kind'];
      const params: Record<string, unknown> = { kind: filter.kind, limit: filter.limit };
      if (filter.principal) {
        where.push('principal = @principal');
        params.principal = filter.principal;
      }
      if (!filter.includeRevoked) where.push('revoked_at_ms IS NULL');
      if (filter.liveAtMs !== undefined) {
        where.push('(expires_at_ms IS NULL OR expires_at_ms > @liveAt)');
        params.liveAt = filter.liveAtMs;
      }
      if (filter.afterTokenId) {
        where.push('token_id > @after');
        params.after = filter.afterTokenId;
      }
      return prepare<Record<string, unknown>, CredentialRow>(`SELECT * FROM credentials WHERE ${where.join(' AND ')} ORDER BY token_id LIMIT @limit`)
        .all(params)
        .map((row) => mapCredential(row) as CredentialRecord);
    },
    revokeCredential: (tokenId, atMs) => revoke.run({ id: tokenId, at: atMs }).changes,
    touchCredential: (tokenId, atMs) => void touch.run(atMs, tokenId),
    insertConsoleSession: (record: ConsoleSessionRecord) => void insertConsole.run(record),
    getConsoleSessionByTokenHash: (tokenHash) => mapConsole(consoleByHash.get(tokenHash)),
    touchConsoleSession: (sessionId, atMs) => void touchConsole.run(atMs, sessionId),
    revokeConsoleSession: (sessionId, atMs) => void revokeConsole.run(atMs, sessionId),
  };
}

function mapCredential(row: CredentialRow | undefined): CredentialRecord | undefined {
  if (!row) return undefined;
  return {
    tokenId: row.token_id,
    kind: row.kind,
    name: row.name,
    secretHash: row.secret_hash,
    principal: row.principal,
    deviceId: row.device_id,
    channel: row.channel,
    scopes: JSON.parse(row.scopes_json) as string[],
    createdBy: row.created_by,
    parentId: row.parent_id,
    createdAtMs: row.created_at_ms,
    expiresAtMs: row.expires_at_ms,
    revokedAtMs: row.revoked_at_ms,
    lastUsedMs: row.last_used_ms,
  };
}

function mapConsole(row: ConsoleRow | undefined): ConsoleSessionRecord | undefined {
  if (!row) return undefined;
  return {
    sessionId: row.session_id,
    tokenHash: row.token_hash,
    csrfHash: row.csrf_hash,
    principal: row.principal,
    deviceId: row.device_id,
    channel: row.channel,
    createdAtMs: row.created_at_ms,
    lastSeenMs: row.last_seen_ms,
    expiresAtMs: row.expires_at_ms,
    revokedAtMs: row.revoked_at_ms,
  };
}
