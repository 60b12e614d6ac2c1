// Wire shapes of runs and tape events on the HTTP API (snake_case), with their TypeBox schemas.
import Type, { type Static } from 'typebox';
import { RUN_EVENT_TYPES, type RunEvent } from '../../../core/events/run-event.js';
import { RUN_STATES } from '../../../core/runs/run-state.js';
import type { RunRecord } from '../../../core/runs/store.js';
import { limit, nullable, Ulid } from './common.js';

export const RunIdParams = Type.Object({ id: Ulid }, { additionalProperties: false });

export const StartRunBody = Type.Object(
  {
    prompt: Type.String({ minLength: 1, maxLength: 262_144 }),
    run_id: Type.Optional(Ulid),
    session_id: Type.Optional(Ulid),
    session_key: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    wait: Type.Optional(Type.Boolean({ description: 'respond after the run ended (default true)' })),
  },
  { additionalProperties: false },
);

export const TapeQuery = Type.Object(
  {
    after_seq: Type.Optional(Type.Integer({ minimum: -1, default: -1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

export const RunWire = Type.Object({
  run_id: Type.String(),
  session_id: Type.String(),
  principal: Type.String(),
  device_id: Type.String(),
  channel: nullable(Type.String()),
  state: Type.Enum([...RUN_STATES]),
  model: Type.String(),
  created_at_unix_ms: Type.Integer(),
  updated_at_unix_ms: Type.Integer(),
  finished_at_unix_ms: nullable(Type.Integer()),
  cancel_requested: Type.Boolean(),
  cancel_reason: nullable(Type.String()),
  failure_reason: nullable(Type.String()),
  last_error: nullable(Type.String()),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
});

export const RunEventWire = Type.Object({
  seq: Type.Integer(),
  event_type: Type.Enum([...RUN_EVENT_TYPES]),
  payload: Type.Record(Type.String(), Type.Unknown()),
  created_at_unix_ms: Type.Integer(),
});

export const ListRunsQuery = Type.Object(
  {
    session_id: Type.Optional(Ulid),
    /** Comma-separated run states, e.g. `accepted,in_progress`. */
    state: Type.Optional(Type.String({ pattern: `^(${RUN_STATES.join('|')})(,(${RUN_STATES.join('|')}))*$` })),
    after_run_id: Type.Optional(Ulid),
    limit: limit(500, 50),
  },
  { additionalProperties: false },
);

export const CancelResponse = Type.Object({ run_id: Type.String(), cancel_requested: Type.Boolean(), reason: Type.String() });

export function runToWire(run: RunRecord): Static<typeof RunWire> {
  return {
    run_id: run.runId,
    session_id: run.sessionId,
    principal: run.principal,
    device_id: run.deviceId,
    channel: run.channel,
    state: run.state,
    model: run.model,
    created_at_unix_ms: run.createdAtMs,
    updated_at_unix_ms: run.updatedAtMs,
    finished_at_unix_ms: run.finishedAtMs,
    cancel_requested: run.cancelRequested,
    cancel_reason: run.cancelReason,
    failure_reason: run.failureReason,
    last_error: run.lastError,
    prompt_tokens: run.promptTokens,
    completion_tokens: run.completionTokens,
  };
}

export function eventToWire(event: RunEvent): Static<typeof RunEventWire> {
  return { seq: event.seq, event_type: event.type, payload: event.payload, created_at_unix_ms: event.createdAtMs };
}
