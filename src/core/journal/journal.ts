// Journal: validates, redacts and hash-chains audit events onto the append-only journal store.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isValidPrincipal } from '../context.js';
import { CoreError } from '../errors.js';
import { isCanonicalId, newId } from '../ids.js';
import { chainBody, chainHash, type ChainCheckpoint, ChainVerifier, type ChainVerdict, rowHash } from './hash-chain.js';
import { redactPayload, redactRawPayload, type RedactedPayload } from './redact.js';
import {
  JOURNAL_ACTORS,
  type JournalActor,
  type JournalDraft,
  type JournalHead,
  type JournalRow,
  type JournalStore,
} from './store.js';

/** A stored journal event, as `append` and `page` return it. */
export type JournalRecord = JournalRow;

/** An event to append. Exactly one of `payload` (a JSON-able value) or `rawPayload` may be given. */
export interface JournalEventInput {
  /** `<area>.<event>` in lower snake case, e.g. `run.started`, `approval.resolved`. */
  kind: string;
  actor: JournalActor;
  principal: string;
  /** ULID of the device the event came from. */
  deviceId: string;
  channel?: string | null;
  sessionId?: string | null;
  runId?: string | null;
  /** When the event happened (Unix ms, > 0); defaults to now. */
  timestampMs?: number;
  /** A ULID; minted when absent. */
  eventId?: string;
  payload?: unknown;
  /** Payload text or bytes received from a client; non-JSON is stored as a marker, never verbatim. */
  rawPayload?: string | Uint8Array;
}

export interface JournalOptions {
  /** Largest redacted payload accepted, in UTF-8 bytes. Default 256 KiB. */
  maxPayloadBytes?: number;
  now?: () => number;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_PAGE = 1000;
const VERIFY_PAGE = 2000;
const KIND_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const MAX_KIND_LENGTH = 128;
// The same channel rule as createContext; it also keeps `|` out of the hashed fields.
const CHANNEL_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const ACTORS = new Set<string>(JOURNAL_ACTORS);

/**
 * The global audit journal: append-only, hash-chained, redacted before hashing.
 *
 * Invariants: every stored payload went through redaction; each row's `prevHash` is the hash of the
 * row with the next lower `seq` (null for the first) and its `hash` is `chainHash(prevHash,
 * chainBody(row))`; rows are never changed (the store's triggers refuse UPDATE and DELETE).
 * Appends issued in the same tick commit in one transaction; each promise resolves only after commit.
 */
export class Journal {
  private readonly maxPayloadBytes: number;
  private readonly now: () => number;
  /** The longest prefix a verify in this process found intact. */
  private verified: ChainCheckpoint | null = null;
  private readonly appendedListeners = new Set<(record: JournalRecord) => void>();

  constructor(
    private readonly store: JournalStore,
    options: JournalOptions = {},
  ) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.now = options.now ?? Date.now;
  }

  /**
   * Validates, redacts, hashes and stores one event.
   * @throws CoreError `invalid_argument` for a bad kind, actor, principal, id, channel, timestamp or a
   * payload JSON cannot hold (BigInt, circular, non-finite number); `out_of_range` for a payload over
   * `maxPayloadBytes`; `already_exists` for a taken event id.
   */
  append(input: JournalEventInput): Promise<JournalRecord> {
    let draft: JournalDraft;
    try {
      draft = this.prepare(input);
    } catch (error) {
      return Promise.reject(error);
    }
    const appended = this.store.append(draft, (prevHash) => chainHash(prevHash, chainBody(draft)));
    if (this.appendedListeners.size > 0) {
      void appended.then((record) => {
        for (const listener of this.appendedListeners) listener(record);
      }, () => undefined);
    }
    return appended;
  }

  /** Calls `listener` with every event once it is committed, in commit order; returns the unsubscribe function. */
  onAppended(listener: (record: JournalRecord) => void): () => void {
    this.appendedListeners.add(listener);
    return () => this.appendedListeners.delete(listener);
  }

  /**
   * Up to `limit` (1..1000) events with `seq > afterSeq`, oldest first.
   * @throws CoreError `invalid_argument` for a negative cursor or a limit out of range.
   */
  async page(afterSeq: number, limit: number): Promise<JournalRecord[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw invalid('after_seq', 'must be a non-negative integer');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw invalid('limit', `must be an integer from 1 to ${MAX_PAGE}`);
    }
    return this.store.page(afterSeq, limit);
  }

  /**
   * Checks the links and hashes, a page at a time, yielding to the event loop between pages so
   * appends continue meanwhile (they extend the walk). `full` walks from the first row; otherwise
   * the walk resumes after the prefix an earlier verify in this process found intact, once that
   * prefix's last row is confirmed unchanged (the store refuses updates and deletes, so the prefix
   * can only change behind the daemon's back; `full` is what catches that).
   */
  async verify(options: { full?: boolean } = {}): Promise<ChainVerdict> {
    const start = options.full ? null : this.confirmedCheckpoint();
    const verifier = new ChainVerifier(start);
    for (;;) {
      const rows = this.store.page(verifier.afterSeq, VERIFY_PAGE);
      // `every` stops at the first broken row.
      if (!rows.every((row) => verifier.push(row)) || rows.length < VERIFY_PAGE) break;
      await yieldToLoop();
    }
    const verdict = verifier.verdict();
    const reached = verifier.checkpoint();
    if (!verdict.ok) this.verified = null;
    else if (reached && reached.count > (this.verified?.count ?? 0)) this.verified = reached;
    return verdict;
  }

  /** The remembered intact prefix, if its last row still reads back with the same seq and hash. */
  private confirmedCheckpoint(): ChainCheckpoint | null {
    const checkpoint = this.verified;
    if (!checkpoint) return null;
    const [row] = this.store.page(checkpoint.seq - 1, 1);
    if (row && row.seq === checkpoint.seq && row.hash === checkpoint.hash && rowHash(row) === row.hash) return checkpoint;
    this.verified = null;
    return null;
  }

  /** The newest event's seq and hash (null when empty): record it elsewhere to detect truncation. */
  async head(): Promise<JournalHead | null> {
    return this.store.head();
  }

  /** The number of stored events. */
  async count(): Promise<number> {
    return this.store.count();
  }

  private prepare(input: JournalEventInput): JournalDraft {
    const createdAtMs = this.now();
    const kind = checkKind(input.kind);
    const actor = checkActor(input.actor);
    const principal = checkPrincipal(input.principal);
    const deviceId = checkId(input.deviceId, 'device_id');
    const channel = checkChannel(input.channel);
    const sessionId = optionalId(input.sessionId, 'session_id');
    const runId = optionalId(input.runId, 'run_id');
    const timestampMs = checkTimestamp(input.timestampMs ?? createdAtMs);
    const eventId = input.eventId === undefined ? newId() : checkId(input.eventId, 'event_id');
    const payload = this.redact(input);
    return {
      eventId,
      kind,
      actor,
      principal,
      deviceId,
      channel,
      sessionId,
      runId,
      timestampMs,
      payloadJson: payload.json,
      redacted: payload.redacted,
      createdAtMs,
    };
  }

  private redact(input: JournalEventInput): RedactedPayload {
    let payload: RedactedPayload;
    if (input.rawPayload !== undefined) {
      if (input.payload !== undefined) throw invalid('payload', 'give either payload or raw_payload, not both');
      // A string's length never exceeds its UTF-8 size, so this refuses early without counting bytes.
      const rawSize = typeof input.rawPayload === 'string' ? input.rawPayload.length : input.rawPayload.byteLength;
      if (rawSize > this.maxPayloadBytes) throw this.tooLarge();
      payload = redactRawPayload(input.rawPayload);
    } else {
      payload = redactPayload(input.payload);
    }
    // A UTF-16 unit is at most 3 UTF-8 bytes, so short payloads skip the exact count.
    const json = payload.json;
    if (json.length * 3 > this.maxPayloadBytes && Buffer.byteLength(json) > this.maxPayloadBytes) throw this.tooLarge();
    return payload;
  }

  private tooLarge(): CoreError {
    return new CoreError('out_of_range', `payload exceeds ${this.maxPayloadBytes} bytes`, {
      details: { maxPayloadBytes: this.maxPayloadBytes },
    });
  }
}

function invalid(path: string, message: string): CoreError {
  return new CoreError('invalid_argument', `${path} ${message}`, {
    details: { validationErrors: [{ path, message }] },
  });
}

function checkKind(kind: unknown): string {
  if (typeof kind !== 'string' || kind.length > MAX_KIND_LENGTH || !KIND_PATTERN.test(kind)) {
    throw invalid('kind', 'must look like <area>.<event> in lower snake case, e.g. run.started');
  }
  return kind;
}

function checkActor(actor: unknown): JournalActor {
  if (typeof actor !== 'string' || !ACTORS.has(actor)) throw invalid('actor', `must be one of ${JOURNAL_ACTORS.join(', ')}`);
  return actor as JournalActor;
}

function checkPrincipal(principal: unknown): string {
  if (!isValidPrincipal(principal)) throw invalid('principal', 'must look like <admin|user|system|node|channel>:<name>');
  return principal;
}

function checkId(value: unknown, path: string): string {
  if (!isCanonicalId(value)) throw invalid(path, 'must be a canonical ULID');
  return value;
}

function optionalId(value: unknown, path: string): string | null {
  return value === undefined || value === null ? null : checkId(value, path);
}

function checkChannel(channel: unknown): string | null {
  if (channel === undefined || channel === null) return null;
  if (typeof channel !== 'string' || !CHANNEL_PATTERN.test(channel)) {
    throw invalid('channel', 'must be 1-64 characters of [A-Za-z0-9._:-]');
  }
  return channel;
}

function checkTimestamp(timestampMs: unknown): number {
  if (!Number.isSafeInteger(timestampMs) || (timestampMs as number) <= 0) {
    throw invalid('timestamp_ms', 'must be a positive integer of Unix milliseconds');
  }
  return timestampMs as number;
}
