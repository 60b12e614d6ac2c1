// Wire shapes of runs and tape events on the HTTP API (snake_case), with their TypeBox schemas.
import Type from 'typebox';
import type { RunEvent } from '../../../core/events/run-event.js';
import type { RunRecord } from '../../../core/runs/store.js';

const ulid = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' });

export const RunIdParams = Type.Object({ id: ulid }, { additionalProperties: false });

export const StartRunBody = Type.Object(
  {
    prompt: Type.String({ minLength: 1, maxLength: 262_144 }),
    run_id: Type.Optional(ulid),
    session_id: Type.Optional(ulid),
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

export function runToWire(run: RunRecord) {
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

export function eventToWire(event: RunEvent) {
  return { seq: event.seq, event_type: event.type, payload: event.payload, created_at_unix_ms: event.createdAtMs };
}
