// Wire shapes of journal events on the HTTP API.
import Type, { type Static } from 'typebox';
import type { ChainVerdict } from '../../../core/journal/hash-chain.js';
import type { JournalRecord } from '../../../core/journal/journal.js';
import { nullable, Ulid } from './common.js';

export const AppendEventBody = Type.Object(
  {
    event_id: Type.Optional(Ulid),
    kind: Type.String({ minLength: 3, maxLength: 128 }),
    actor: Type.Enum(['user', 'agent', 'plugin']),
    session_id: Type.Optional(Ulid),
    run_id: Type.Optional(Ulid),
    timestamp_unix_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    payload: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

export const JournalPageQuery = Type.Object(
  {
    after_seq: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const JournalRecordWire = Type.Object({
  seq: Type.Integer(),
  event_id: Type.String(),
  kind: Type.String(),
  actor: Type.String(),
  principal: Type.String(),
  device_id: Type.String(),
  channel: nullable(Type.String()),
  session_id: nullable(Type.String()),
  run_id: nullable(Type.String()),
  timestamp_unix_ms: Type.Integer(),
  payload_json: Type.String(),
  redacted: Type.Boolean(),
  prev_hash: nullable(Type.String()),
  hash: Type.String(),
});

/** The hash chain: intact up to `head`, or broken at `broken_at_seq`. */
export const ChainVerdictWire = Type.Object({
  ok: Type.Boolean(),
  count: Type.Integer(),
  head: Type.Optional(nullable(Type.String())),
  broken_at_seq: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});

export const JournalPageWire = Type.Object({ events: Type.Array(JournalRecordWire), next_after_seq: Type.Integer() });

export function journalRecordToWire(record: JournalRecord): Static<typeof JournalRecordWire> {
  return {
    seq: record.seq,
    event_id: record.eventId,
    kind: record.kind,
    actor: record.actor,
    principal: record.principal,
    device_id: record.deviceId,
    channel: record.channel,
    session_id: record.sessionId,
    run_id: record.runId,
    timestamp_unix_ms: record.timestampMs,
    payload_json: record.payloadJson,
    redacted: record.redacted,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

export function chainVerdictToWire(verdict: ChainVerdict): Static<typeof ChainVerdictWire> {
  return verdict.ok
    ? { ok: true, count: verdict.count, head: verdict.head }
    : { ok: false, count: verdict.count, broken_at_seq: verdict.brokenAtSeq, reason: verdict.reason };
}
