// The journal's SHA-256 hash chain: the canonical row hash and a verifier that walks the rows.
import { hash } from 'node:crypto';
import type { JournalEventFields, JournalRow } from './store.js';

/**
 * The hashed text after the previous hash, in this fixed order:
 * `|event_id|kind|actor|principal|device_id|channel|session_id|run_id|timestamp_ms|payload_json`.
 * A missing value (channel, session, run) contributes nothing but keeps its separator; integers are
 * decimal. The payload is last and every other field is validated to exclude `|`, so the encoding
 * is unambiguous.
 */
export function chainBody(fields: JournalEventFields): string {
  return (
    `|${fields.eventId}|${fields.kind}|${fields.actor}|${fields.principal}|${fields.deviceId}` +
    `|${fields.channel ?? ''}|${fields.sessionId ?? ''}|${fields.runId ?? ''}|${fields.timestampMs}|` +
    fields.payloadJson
  );
}

/** Lower-case hex SHA-256 of `prevHash` (empty when null) followed by `body` from chainBody. */
export function chainHash(prevHash: string | null, body: string): string {
  // The one-shot hash costs one native call instead of four (createHash, update, update, digest).
  return hash('sha256', prevHash === null ? body : prevHash + body, 'hex');
}

/** The hash a row must carry, recomputed from its stored columns. */
export function rowHash(row: JournalEventFields & { prevHash: string | null }): string {
  return chainHash(row.prevHash, chainBody(row));
}

/** A verified prefix of the chain: `count` rows, the last one `seq` with `hash`. */
export interface ChainCheckpoint {
  seq: number;
  hash: string;
  count: number;
}

export type ChainVerdict =
  | { ok: true; count: number; head: string | null }
  | { ok: false; count: number; brokenAtSeq: number; reason: string };

/**
 * Checks rows one at a time, in the order they are stored. `count` is the number of rows found
 * intact. The chain is unkeyed, so it proves that no row was changed, inserted or removed without
 * rewriting every later row too; such a rewrite, or rows cut from the end, shows only against a
 * head (seq + hash) recorded elsewhere.
 */
export class ChainVerifier {
  private count: number;
  private lastSeq: number;
  private lastHash: string | null;
  private broken: { brokenAtSeq: number; reason: string } | null = null;

  /** Starts at the beginning, or after an already verified prefix (`count` rows ending at `seq`/`hash`). */
  constructor(start: ChainCheckpoint | null = null) {
    this.count = start?.count ?? 0;
    this.lastSeq = start?.seq ?? 0;
    this.lastHash = start?.hash ?? null;
  }

  /** Checks the next row; returns false once the chain is broken (later rows are ignored). */
  push(row: JournalRow): boolean {
    if (this.broken) return false;
    const reason = this.check(row);
    if (reason !== null) {
      this.broken = { brokenAtSeq: row.seq, reason };
      return false;
    }
    this.count += 1;
    this.lastSeq = row.seq;
    this.lastHash = row.hash;
    return true;
  }

  /** The seq of the last intact row (0 before any). */
  get afterSeq(): number {
    return this.lastSeq;
  }

  /** The intact prefix walked so far, while the chain is unbroken and not empty. */
  checkpoint(): ChainCheckpoint | null {
    return this.broken || this.lastHash === null ? null : { seq: this.lastSeq, hash: this.lastHash, count: this.count };
  }

  verdict(): ChainVerdict {
    if (this.broken) return { ok: false, count: this.count, ...this.broken };
    return { ok: true, count: this.count, head: this.lastHash };
  }

  private check(row: JournalRow): string | null {
    if (row.seq <= this.lastSeq) return `seq ${row.seq} is not after seq ${this.lastSeq}`;
    if (row.prevHash !== this.lastHash) {
      return this.lastHash === null
        ? 'first row has a prev_hash'
        : `prev_hash does not match the hash of seq ${this.lastSeq}`;
    }
    if (rowHash(row) !== row.hash) return 'hash does not match the row contents';
    return null;
  }
}

/** Walks `rows` in seq order and reports the first broken link, or the row count and head hash. */
export function verifyChain(rows: Iterable<JournalRow>): ChainVerdict {
  const verifier = new ChainVerifier();
  for (const row of rows) {
    if (!verifier.push(row)) break;
  }
  return verifier.verdict();
}
