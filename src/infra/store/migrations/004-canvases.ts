// 004: canvases (versioned JSON state of a session) and their bundles of static assets.
export const sql = `
CREATE TABLE canvases (
  canvas_id     TEXT    PRIMARY KEY,
  session_id    TEXT    NOT NULL REFERENCES sessions (session_id),
  principal     TEXT    NOT NULL,
  device_id     TEXT    NOT NULL,
  channel       TEXT,
  title         TEXT    NOT NULL,
  state_json    TEXT    NOT NULL,
  version       INTEGER NOT NULL CHECK (version >= 1),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  closed_at_ms  INTEGER
) STRICT;
CREATE INDEX canvases_session ON canvases (session_id, canvas_id);

CREATE TABLE canvas_assets (
  canvas_id    TEXT NOT NULL REFERENCES canvases (canvas_id),
  path         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  bytes        BLOB NOT NULL,
  PRIMARY KEY (canvas_id, path)
) STRICT;
`;
