// Wire shapes of journal events on the HTTP API.
import Type from 'typebox';
import type { ChainVerdict } from '../../../core/journal/hash-chain.js';
import type { JournalRecord } from '../../../core/journal/journal.js';

const ulid = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' });

export const AppendEventBody = Type.Object(
  {
    event_id: Type.Optional(ulid),
    kind: Type.String({ minLength: 3, maxLength: 128 }),
    actor: Type.Enum(['user', 'agent', 'plugin']),
    session_id: Type.Optional(ulid),
    run_id: Type.Optional(ulid),
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

export function journalRecordToWire(record: JournalRecord) {
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

export function chainVerdictToWire(verdict: ChainVerdict) {
  return verdict.ok
    ? { ok: true, count: verdict.count, head: verdict.head }
    : { ok: false, count: verdict.count, broken_at_seq: verdict.brokenAtSeq, reason: verdict.reason };
}
