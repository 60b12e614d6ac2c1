// Wire shapes of canvases: records, versions, console token and interaction bodies, canvas-token queries.
import Type from 'typebox';
import type { CanvasRecord } from '../../../core/canvas/store.js';
import type { CanvasVersion } from '../../../core/canvas/canvas-version.js';
import { MAX_CANVAS_TOKEN_CHARS } from '../../../core/canvas/canvas-tokens.js';
import { nullable, Ulid } from './common.js';

export const CanvasWire = Type.Object({
  canvas_id: Type.String(),
  session_id: Type.String(),
  title: Type.String(),
  version: Type.Integer(),
  created_at_unix_ms: Type.Integer(),
  updated_at_unix_ms: Type.Integer(),
  expires_at_unix_ms: Type.Integer(),
  closed_at_unix_ms: nullable(Type.Integer()),
  closed: Type.Boolean(),
});

export const CanvasListWire = Type.Object({ canvases: Type.Array(CanvasWire) });

export const CanvasStateWire = Type.Object({
  canvas_id: Type.String(),
  version: Type.Integer(),
  state: Type.Record(Type.String(), Type.Unknown()),
  updated_at_unix_ms: Type.Integer(),
  closed: Type.Boolean(),
});

export const CanvasTokenBody = Type.Object({ ttl_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })) }, { additionalProperties: false });

export const CanvasTokenWire = Type.Object({ token: Type.String(), expires_at_unix_ms: Type.Integer(), frame_url: Type.String() });

export const CanvasInteractionBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    action: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    values: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.String({ maxLength: 4000 }), { maxProperties: 32 }),
  },
  { additionalProperties: false },
);

export const CanvasInteractionWire = Type.Object({ run_id: Type.String(), session_id: Type.String() });

/** `?token` of every canvas-token route; a longer value is malformed (400) before anything is decoded. */
const token = Type.String({ minLength: 1, maxLength: MAX_CANVAS_TOKEN_CHARS });

export const CanvasTokenQuery = Type.Object({ token }, { additionalProperties: false });
export const CanvasStateQuery = Type.Object({ token, after_version: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });
export const CanvasIdParams = Type.Object({ id: Ulid }, { additionalProperties: false });
export const CanvasAssetParams = Type.Object({ id: Ulid, '*': Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false });

export function canvasToWire(canvas: CanvasRecord, now: number) {
  return {
    canvas_id: canvas.canvasId,
    session_id: canvas.sessionId,
    title: canvas.title,
    version: canvas.version,
    created_at_unix_ms: canvas.createdAtMs,
    updated_at_unix_ms: canvas.updatedAtMs,
    expires_at_unix_ms: canvas.expiresAtMs,
    closed_at_unix_ms: canvas.closedAtMs,
    closed: canvas.closedAtMs !== null || canvas.expiresAtMs <= now,
  };
}

/** The state document of a version as JSON text (the state is stored as JSON: it is not parsed again). */
export function versionToJson(version: CanvasVersion): string {
  return `{"canvas_id":${JSON.stringify(version.canvasId)},"version":${version.version},"state":${version.stateJson},"updated_at_unix_ms":${version.updatedAtMs},"closed":${version.closed}}`;
}
