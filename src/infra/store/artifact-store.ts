// SQLite implementation of the browser ArtifactStore port.
import type { ArtifactRecord, ArtifactStore } from '../../core/browser/artifact-store.js';
import type { Db } from './db.js';

interface ArtifactRow {
  artifact_id: string;
  kind: ArtifactRecord['kind'];
  mime_type: string;
  size_bytes: number;
  sha256: string;
  principal: string;
  device_id: string;
  channel: string | null;
  run_id: string | null;
  chat_session_id: string | null;
  browser_session_id: string;
  created_at_ms: number;
}

export function createArtifactStore(db: Db): ArtifactStore {
  const insert = db.prepare(`INSERT INTO browser_artifacts (artifact_id, kind, mime_type, size_bytes, sha256, principal, device_id, channel, run_id,
      chat_session_id, browser_session_id, created_at_ms, content)
    VALUES (@artifactId, @kind, @mimeType, @sizeBytes, @sha256, @principal, @deviceId, @channel, @runId, @chatSessionId, @browserSessionId, @createdAtMs, @content)`);
  const byId = db.prepare<[string], ArtifactRow>(`SELECT artifact_id, kind, mime_type, size_bytes, sha256, principal, device_id, channel, run_id,
      chat_session_id, browser_session_id, created_at_ms FROM browser_artifacts WHERE artifact_id = ?`);
  const contentById = db.prepare<[string], { content: Buffer }>('SELECT content FROM browser_artifacts WHERE artifact_id = ?');
  return {
    insert(record, content) {
      insert.run({ ...record, content });
    },
    get(artifactId) {
      const row = byId.get(artifactId);
      return row ? toRecord(row) : undefined;
    },
    content: (artifactId) => contentById.get(artifactId)?.content,
  };
}

function toRecord(row: ArtifactRow): ArtifactRecord {
  return {
    artifactId: row.artifact_id,
    kind: row.kind,
    mimeType: row.mime_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    principal: row.principal,
    deviceId: row.device_id,
    channel: row.channel,
    runId: row.run_id,
    chatSessionId: row.chat_session_id,
    browserSessionId: row.browser_session_id,
    createdAtMs: row.created_at_ms,
  };
}
