// SQLite implementation of the CanvasStore port.
import type { CanvasAsset, CanvasRecord, CanvasStore } from '../../core/canvas/store.js';
import type { Db } from './db.js';

interface CanvasRow {
  canvas_id: string;
  session_id: string;
  principal: string;
  device_id: string;
  channel: string | null;
  title: string;
  state_json: string;
  version: number;
  created_at_ms: number;
  updated_at_ms: number;
  expires_at_ms: number;
  closed_at_ms: number | null;
}

export function createCanvasStore(db: Db): CanvasStore {
  const insert = db.prepare(`INSERT INTO canvases (canvas_id, session_id, principal, device_id, channel, title, state_json, version, created_at_ms, updated_at_ms, expires_at_ms, closed_at_ms)
    VALUES (@canvasId, @sessionId, @principal, @deviceId, @channel, @title, @stateJson, @version, @createdAtMs, @updatedAtMs, @expiresAtMs, @closedAtMs)`);
  const insertAsset = db.prepare('INSERT INTO canvas_assets (canvas_id, path, content_type, bytes) VALUES (?, ?, ?, ?)');
  const byId = db.prepare<[string], CanvasRow>('SELECT * FROM canvases WHERE canvas_id = ?');
  const bySession = db.prepare<[string], CanvasRow>('SELECT * FROM canvases WHERE session_id = ? ORDER BY canvas_id');
  const update = db.prepare('UPDATE canvases SET state_json = ?, version = version + 1, updated_at_ms = ? WHERE canvas_id = ? AND version = ? AND closed_at_ms IS NULL');
  const close = db.prepare('UPDATE canvases SET closed_at_ms = ?, version = version + 1, updated_at_ms = ? WHERE canvas_id = ? AND closed_at_ms IS NULL');
  const asset = db.prepare<[string, string], { path: string; content_type: string; bytes: Buffer }>('SELECT path, content_type, bytes FROM canvas_assets WHERE canvas_id = ? AND path = ?');
  const assets = db.prepare<[string], { path: string; content_type: string; size: number }>('SELECT path, content_type, length(bytes) AS size FROM canvas_assets WHERE canvas_id = ? ORDER BY path');
  const insertAll = db.transaction((canvas: CanvasRecord, bundle: readonly CanvasAsset[]) => {
    insert.run(canvas);
    for (const item of bundle) insertAsset.run(canvas.canvasId, item.path, item.contentType, item.bytes);
  });

  return {
    insertCanvas: (canvas, bundle) => insertAll(canvas, bundle),
    getCanvas: (canvasId) => mapRow(byId.get(canvasId)),
    listBySession: (sessionId) => bySession.all(sessionId).map((row) => mapRow(row) as CanvasRecord),
    updateState: (canvasId, expectedVersion, stateJson, atMs) => update.run(stateJson, atMs, canvasId, expectedVersion).changes === 1,
    closeCanvas: (canvasId, atMs) => void close.run(atMs, atMs, canvasId),
    getAsset: (canvasId, path) => {
      const row = asset.get(canvasId, path);
      return row ? { path: row.path, contentType: row.content_type, bytes: row.bytes } : undefined;
    },
    listAssets: (canvasId) => assets.all(canvasId).map((row) => ({ path: row.path, contentType: row.content_type, size: row.size })),
  };
}

function mapRow(row: CanvasRow | undefined): CanvasRecord | undefined {
  if (!row) return undefined;
  return {
    canvasId: row.canvas_id,
    sessionId: row.session_id,
    principal: row.principal,
    deviceId: row.device_id,
    channel: row.channel,
    title: row.title,
    stateJson: row.state_json,
    version: row.version,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    expiresAtMs: row.expires_at_ms,
    closedAtMs: row.closed_at_ms,
  };
}
