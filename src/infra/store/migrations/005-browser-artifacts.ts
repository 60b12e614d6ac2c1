// 005: browser artifacts: screenshots and PDFs of browser sessions, stored once, referenced by id from tool outputs.
export const sql = `
CREATE TABLE browser_artifacts (
  artifact_id        TEXT    PRIMARY KEY,
  kind               TEXT    NOT NULL CHECK (kind IN ('screenshot', 'pdf')),
  mime_type          TEXT    NOT NULL,
  size_bytes         INTEGER NOT NULL,
  sha256             TEXT    NOT NULL,
  principal          TEXT    NOT NULL,
  device_id          TEXT    NOT NULL,
  channel            TEXT,
  run_id             TEXT,
  chat_session_id    TEXT,
  browser_session_id TEXT    NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  content            BLOB    NOT NULL
) STRICT;
CREATE INDEX browser_artifacts_session ON browser_artifacts (browser_session_id, artifact_id);
`;
