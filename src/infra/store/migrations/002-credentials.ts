// 002: API and session tokens (only hashes stored) and console sessions (token and CSRF hashes).
export const sql = `
CREATE TABLE credentials (
  token_id       TEXT    PRIMARY KEY,
  kind           TEXT    NOT NULL CHECK (kind IN ('api', 'session')),
  name           TEXT    NOT NULL,
  secret_hash    TEXT    NOT NULL,
  principal      TEXT    NOT NULL,
  device_id      TEXT,
  channel        TEXT,
  scopes_json    TEXT    NOT NULL,
  created_by     TEXT    NOT NULL,
  parent_id      TEXT,
  created_at_ms  INTEGER NOT NULL,
  expires_at_ms  INTEGER,
  revoked_at_ms  INTEGER,
  last_used_ms   INTEGER
) STRICT;
CREATE INDEX credentials_kind ON credentials (kind, token_id);
CREATE INDEX credentials_parent ON credentials (parent_id);

CREATE TABLE console_sessions (
  session_id       TEXT    PRIMARY KEY,
  token_hash       TEXT    NOT NULL UNIQUE,
  csrf_hash        TEXT    NOT NULL,
  principal        TEXT    NOT NULL,
  device_id        TEXT    NOT NULL,
  channel          TEXT,
  created_at_ms    INTEGER NOT NULL,
  last_seen_ms     INTEGER NOT NULL,
  expires_at_ms    INTEGER NOT NULL,
  revoked_at_ms    INTEGER
) STRICT;
`;
