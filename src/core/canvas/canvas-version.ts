// CanvasVersion: what viewers receive each time a canvas changes (created, updated, patched, closed).
import type { CanvasRecord } from './store.js';

export interface CanvasVersion {
  canvasId: string;
  /** Increases by one per change; a viewer resumes after the last version it saw. */
  version: number;
  stateJson: string;
  updatedAtMs: number;
  /** The last version of a canvas: closed (or expired) canvases change no more. */
  closed: boolean;
}

export function versionOf(record: CanvasRecord, now: number): CanvasVersion {
  return {
    canvasId: record.canvasId,
    version: record.version,
    stateJson: record.stateJson,
    updatedAtMs: record.updatedAtMs,
    closed: isReadOnly(record, now),
  };
}

/** Closed, or past its lifetime. */
export function isReadOnly(record: Pick<CanvasRecord, 'closedAtMs' | 'expiresAtMs'>, now: number): boolean {
  return record.closedAtMs !== null || record.expiresAtMs <= now;
}
