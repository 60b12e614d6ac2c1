// Canvas records, versions and JSON text between the core and palyra.canvas.v1 messages.
import type { CanvasVersion } from '../../../core/canvas/canvas-version.js';
import type { CanvasRecord } from '../../../core/canvas/store.js';
import { CoreError } from '../../../core/errors.js';
import type { Canvas, WatchCanvasResponse } from '../../../gen/palyra/canvas/v1/canvas.js';
import { PROTOCOL_MAJOR, toCanonicalId } from './ids.js';

export function canvasToProto(canvas: CanvasRecord, version: CanvasVersion): Canvas {
  return {
    canvasId: toCanonicalId(canvas.canvasId),
    sessionId: toCanonicalId(canvas.sessionId),
    title: canvas.title,
    version: canvas.version,
    stateJson: canvas.stateJson,
    createdAtUnixMs: canvas.createdAtMs,
    updatedAtUnixMs: canvas.updatedAtMs,
    expiresAtUnixMs: canvas.expiresAtMs,
    closedAtUnixMs: canvas.closedAtMs ?? 0,
    closed: version.closed,
  };
}

export function versionToProto(version: CanvasVersion): WatchCanvasResponse {
  return {
    v: PROTOCOL_MAJOR,
    canvasId: toCanonicalId(version.canvasId),
    version: version.version,
    stateJson: version.stateJson,
    updatedAtUnixMs: version.updatedAtMs,
    closed: version.closed,
  };
}

/** JSON text of a request field. @throws `invalid_argument` naming the field. */
export function parseJsonField(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CoreError('invalid_argument', `${field} must be JSON text`);
  }
}
