// Port: session storage. Implemented in infra/store/session-store.ts.

export interface SessionRecord {
  sessionId: string;
  sessionKey: string;
  label: string | null;
  principal: string;
  deviceId: string;
  channel: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  archivedAtMs: number | null;
  lastRunId: string | null;
}

export interface SessionListFilter {
  /** Owner triple; undefined lists every owner's sessions (admin). */
  owner?: { principal: string; deviceId: string; channel: string | null };
  afterSessionId?: string;
  /** Lower-case text the session key or label must contain (ASCII letters match either case). */
  query?: string;
  includeArchived: boolean;
  limit: number;
}

export interface SessionStore {
  insertSession(session: SessionRecord): void;
  getSession(sessionId: string): SessionRecord | undefined;
  getSessionByKey(sessionKey: string): SessionRecord | undefined;
  listSessions(filter: SessionListFilter): SessionRecord[];
  /** Archives the session and gives it a fresh key so the old key can start a new session. */
  archiveSession(sessionId: string, newKey: string, atMs: number): void;
  touchSession(sessionId: string, lastRunId: string, atMs: number): void;
  countRuns(sessionId: string): number;
}
