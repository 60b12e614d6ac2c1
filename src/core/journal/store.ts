// The journal's storage port and row types; infra/store/journal-store.ts implements it on SQLite.

/** Who caused a journal event. */
export type JournalActor = 'user' | 'agent' | 'system' | 'plugin';

export const JOURNAL_ACTORS: readonly JournalActor[] = ['user', 'agent', 'system', 'plugin'];

/** The hashed fields of an event, everything but the chain links and the storage sequence. */
export interface JournalEventFields {
  eventId: string;
  kind: string;
  actor: JournalActor;
  principal: string;
  deviceId: string;
  channel: string | null;
  sessionId: string | null;
  runId: string | null;
  timestampMs: number;
  /** Compact, already redacted JSON: exactly the string that is hashed and stored. */
  payloadJson: string;
}

/** An event ready to be written: its fields plus what is stored but not hashed. */
export interface JournalDraft extends JournalEventFields {
  redacted: boolean;
  createdAtMs: number;
}

/** One stored journal row. `prevHash` is null only for the first row. */
export interface JournalRow extends JournalDraft {
  seq: number;
  prevHash: string | null;
  hash: string;
}

/** The newest row's position in the chain. */
export interface JournalHead {
  seq: number;
  hash: string;
}

/**
 * Computes a row's hash from the hash of the row before it (null for the first row). The store calls
 * it inside the transaction that inserts the row, after reading the current head, so the link is
 * always to the row that really precedes it.
 */
export type SealRow = (prevHash: string | null) => string;

/** Append-only storage of journal rows in `seq` order. */
export interface JournalStore {
  /**
   * Inserts `draft` as the new head: reads the current head, calls `seal(head.hash)` and writes the
   * row, all in one transaction. Resolves after the transaction committed.
   * @throws CoreError `already_exists` if the event id is taken.
   */
  append(draft: JournalDraft, seal: SealRow): Promise<JournalRow>;
  /** Up to `limit` rows with `seq > afterSeq`, ascending. */
  page(afterSeq: number, limit: number): JournalRow[];
  /** Every row in `seq` order, read lazily; nothing else may use the store until iteration ends. */
  iterate(): IterableIterator<JournalRow>;
  /** The newest row, or null when the journal is empty. */
  head(): JournalHead | null;
  count(): number;
}
