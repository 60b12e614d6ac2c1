// 003: node RPC: pairing codes (only a derived key stored), pairing requests, devices, the durable node task queue.
export const sql = `
CREATE TABLE pairing_codes (
  code_id            TEXT    PRIMARY KEY,
  code_key_hex       TEXT    NOT NULL,
  created_by         TEXT    NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  expires_at_ms      INTEGER NOT NULL,
  auto_approve       INTEGER NOT NULL CHECK (auto_approve IN (0, 1)),
  used_at_ms         INTEGER,
  used_by_pairing_id TEXT,
  failed_attempts    INTEGER NOT NULL DEFAULT 0,
  burned_at_ms       INTEGER
) STRICT;

CREATE TABLE pairing_requests (
  pairing_id          TEXT    PRIMARY KEY,
  code_id             TEXT    NOT NULL REFERENCES pairing_codes (code_id),
  device_id           TEXT    NOT NULL,
  client_kind         TEXT    NOT NULL CHECK (client_kind IN ('node', 'cli', 'desktop')),
  display_name        TEXT    NOT NULL,
  tls_public_key_spki BLOB    NOT NULL,
  identity_public_key BLOB    NOT NULL,
  transcript_sha256   TEXT    NOT NULL,
  peer                TEXT    NOT NULL,
  state               TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'completed', 'expired')),
  requested_at_ms     INTEGER NOT NULL,
  expires_at_ms       INTEGER NOT NULL,
  decided_by          TEXT,
  decided_at_ms       INTEGER,
  reason              TEXT,
  certificate_pem     TEXT,
  cert_fingerprint    TEXT,
  cert_not_after_ms   INTEGER,
  completed_at_ms     INTEGER
) STRICT;
CREATE UNIQUE INDEX pairing_requests_code ON pairing_requests (code_id);
CREATE INDEX pairing_requests_state ON pairing_requests (state, pairing_id);

CREATE TABLE devices (
  device_id           TEXT    PRIMARY KEY,
  principal           TEXT    NOT NULL UNIQUE,
  client_kind         TEXT    NOT NULL,
  display_name        TEXT    NOT NULL,
  identity_public_key BLOB    NOT NULL,
  tls_public_key_spki BLOB    NOT NULL,
  cert_fingerprint    TEXT    NOT NULL,
  cert_not_after_ms   INTEGER NOT NULL,
  previous_certs_json TEXT    NOT NULL DEFAULT '[]',
  pairing_id          TEXT    NOT NULL REFERENCES pairing_requests (pairing_id),
  paired_at_ms        INTEGER NOT NULL,
  platform            TEXT,
  capabilities_json   TEXT    NOT NULL DEFAULT '[]',
  node_version        TEXT,
  registered_at_ms    INTEGER,
  last_seen_ms        INTEGER,
  revoked_at_ms       INTEGER,
  revoked_by          TEXT,
  revoke_reason       TEXT
) STRICT;
CREATE INDEX devices_cert ON devices (cert_fingerprint);

CREATE TABLE node_tasks (
  task_id           TEXT    PRIMARY KEY,
  device_id         TEXT    NOT NULL REFERENCES devices (device_id),
  capability        TEXT    NOT NULL,
  input_json        TEXT    NOT NULL,
  state             TEXT    NOT NULL CHECK (state IN ('queued', 'delivered', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out')),
  attempt           INTEGER NOT NULL DEFAULT 0,
  max_output_bytes  INTEGER NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  deadline_ms       INTEGER NOT NULL,
  delivered_at_ms   INTEGER,
  finished_at_ms    INTEGER,
  updated_at_ms     INTEGER NOT NULL,
  progress_stage    TEXT,
  success           INTEGER CHECK (success IN (0, 1)),
  result_json       TEXT,
  error             TEXT,
  requested_by      TEXT    NOT NULL,
  run_id            TEXT,
  session_id        TEXT
) STRICT;
-- The dispatcher's scans: a node's queued / in-flight tasks in order, and all unfinished ones at start.
CREATE INDEX node_tasks_queue ON node_tasks (device_id, state, task_id);
CREATE INDEX node_tasks_unfinished ON node_tasks (state, task_id) WHERE state IN ('queued', 'delivered', 'running');
CREATE INDEX node_tasks_finished ON node_tasks (finished_at_ms) WHERE finished_at_ms IS NOT NULL;
`;
