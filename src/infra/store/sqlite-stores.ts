// createSqliteStores: every core storage port over one database, writes sharing one batcher.
import type { CoreDeps } from '../../core/index.js';
import { createApprovalStore } from './approval-store.js';
import { cacheCredentialStore, cacheSessionStore } from './cached-stores.js';
import { createCanvasStore } from './canvas-store.js';
import { createCredentialStore } from './credential-store.js';
import type { Db } from './db.js';
import { SqliteJournalStore } from './journal-store.js';
import { createRunStore } from './run-store.js';
import { createSessionStore } from './session-store.js';
import type { WriteBatcher } from './write-batcher.js';

/**
 * The stores `createCore` needs; journal, run and tape writes commit in order through `batcher`.
 * Session pages and credentials are cached in memory (cached-stores.ts): this process must be the
 * database's only writer.
 */
export function createSqliteStores(db: Db, batcher: WriteBatcher): CoreDeps['stores'] {
  return {
    journal: new SqliteJournalStore(db, { batcher }),
    sessions: cacheSessionStore(createSessionStore(db)),
    runs: createRunStore(db, batcher),
    approvals: createApprovalStore(db),
    credentials: cacheCredentialStore(createCredentialStore(db)),
    canvases: createCanvasStore(db),
  };
}
