// 001: journal (hash-chained, append-only), sessions, runs, run tape (append-only), approvals.
export const sql = `
CREATE TABLE journal_events (
  seq           INTEGER PRIMARY KEY,
  event_id      TEXT    NOT NULL UNIQUE,
  kind          TEXT    NOT NULL,
  actor         TEXT    NOT NULL,
  principal     TEXT    NOT NULL,
  device_id     TEXT    NOT NULL,
  channel       TEXT,
  session_id    TEXT,
  run_id        TEXT,
  timestamp_ms  INTEGER NOT NULL,
  payload_json  TEXT    NOT NULL,
  redacted      INTEGER NOT NULL CHECK (redacted IN (0, 1)),
  prev_hash     TEXT,
  hash          TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX journal_events_run ON journal_events (run_id, seq);
CREATE TRIGGER journal_events_no_update BEFORE UPDATE ON journal_events
  BEGIN SELECT RAISE(ABORT, 'journal_events is append-only'); END;
CREATE TRIGGER journal_events_no_delete BEFORE DELETE ON journal_events
  BEGIN SELECT RAISE(ABORT, 'journal_events is append-only'); END;

CREATE TABLE sessions (
  session_id     TEXT    PRIMARY KEY,
  session_key    TEXT    NOT NULL UNIQUE,
  label          TEXT,
  principal      TEXT    NOT NULL,
  device_id      TEXT    NOT NULL,
  channel        TEXT,
  created_at_ms  INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  archived_at_ms INTEGER,
  last_run_id    TEXT
) STRICT;
CREATE INDEX sessions_owner ON sessions (principal, device_id, channel, session_id);

CREATE TABLE runs (
  run_id            TEXT    PRIMARY KEY,
  session_id        TEXT    NOT NULL REFERENCES sessions (session_id),
  principal         TEXT    NOT NULL,
  device_id         TEXT    NOT NULL,
  channel           TEXT,
  state             TEXT    NOT NULL CHECK (state IN ('accepted', 'in_progress', 'done', 'failed', 'cancelled')),
  model             TEXT    NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL,
  finished_at_ms    INTEGER,
  cancel_requested  INTEGER NOT NULL DEFAULT 0,
  cancel_reason     TEXT,
  failure_reason    TEXT,
  last_error        TEXT,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX runs_session ON runs (session_id, run_id);
CREATE INDEX runs_state ON runs (state);

CREATE TABLE run_tape (
  run_id        TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  event_type    TEXT    NOT NULL,
  payload_json  TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER run_tape_no_update BEFORE UPDATE ON run_tape
  BEGIN SELECT RAISE(ABORT, 'run_tape is append-only'); END;
CREATE TRIGGER run_tape_no_delete BEFORE DELETE ON run_tape
  BEGIN SELECT RAISE(ABORT, 'run_tape is append-only'); END;

CREATE TABLE approvals (
  approval_id           TEXT    PRIMARY KEY,
  run_id                TEXT    NOT NULL,
  session_id            TEXT    NOT NULL,
  proposal_id           TEXT    NOT NULL,
  principal             TEXT    NOT NULL,
  device_id             TEXT    NOT NULL,
  channel               TEXT,
  subject_type          TEXT    NOT NULL,
  subject_id            TEXT    NOT NULL,
  tool_name             TEXT    NOT NULL,
  input_json            TEXT    NOT NULL,
  request_summary       TEXT    NOT NULL,
  requested_at_ms       INTEGER NOT NULL,
  expires_at_ms         INTEGER NOT NULL,
  decision              TEXT CHECK (decision IN ('allow', 'deny', 'timeout', 'error')),
  decision_scope        TEXT CHECK (decision_scope IN ('once', 'session', 'timeboxed')),
  decision_scope_ttl_ms INTEGER,
  decision_reason       TEXT,
  decided_by            TEXT,
  resolved_at_ms        INTEGER
) STRICT;
CREATE INDEX approvals_run ON approvals (run_id);
CREATE INDEX approvals_pending ON approvals (decision, approval_id);
`;
