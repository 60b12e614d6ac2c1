// SQLite implementation of the DeviceStore port (pairing codes, pairing requests, devices).
import type { DeviceRecord, DeviceStore, PairingCodeRecord, PairingRequestRecord, PairingState } from '../../core/devices/store.js';
import type { Db } from './db.js';
import { statementCache } from './statement-cache.js';

interface CodeRow {
  code_id: string;
  code_key_hex: string;
  created_by: string;
  created_at_ms: number;
  expires_at_ms: number;
  auto_approve: number;
  used_at_ms: number | null;
  used_by_pairing_id: string | null;
  failed_attempts: number;
  burned_at_ms: number | null;
}

type RequestRow = Record<string, unknown> & { tls_public_key_spki: Buffer; identity_public_key: Buffer };
type DeviceRow = Record<string, unknown> & { previous_certs_json: string; capabilities_json: string };

const REQUEST_COLUMNS: Record<keyof PairingRequestRecord, string> = {
  pairingId: 'pairing_id',
  codeId: 'code_id',
  deviceId: 'device_id',
  clientKind: 'client_kind',
  displayName: 'display_name',
  tlsPublicKeySpki: 'tls_public_key_spki',
  identityPublicKey: 'identity_public_key',
  transcriptSha256: 'transcript_sha256',
  peer: 'peer',
  state: 'state',
  requestedAtMs: 'requested_at_ms',
  expiresAtMs: 'expires_at_ms',
  decidedBy: 'decided_by',
  decidedAtMs: 'decided_at_ms',
  reason: 'reason',
  certificatePem: 'certificate_pem',
  certFingerprint: 'cert_fingerprint',
  certNotAfterMs: 'cert_not_after_ms',
  completedAtMs: 'completed_at_ms',
};

const DEVICE_COLUMNS: Record<keyof DeviceRecord, string> = {
  deviceId: 'device_id',
  principal: 'principal',
  clientKind: 'client_kind',
  displayName: 'display_name',
  identityPublicKey: 'identity_public_key',
  tlsPublicKeySpki: 'tls_public_key_spki',
  certFingerprint: 'cert_fingerprint',
  certNotAfterMs: 'cert_not_after_ms',
  previousCerts: 'previous_certs_json',
  pairingId: 'pairing_id',
  pairedAtMs: 'paired_at_ms',
  platform: 'platform',
  capabilities: 'capabilities_json',
  nodeVersion: 'node_version',
  registeredAtMs: 'registered_at_ms',
  lastSeenMs: 'last_seen_ms',
  revokedAtMs: 'revoked_at_ms',
  revokedBy: 'revoked_by',
  revokeReason: 'revoke_reason',
};

export function createDeviceStore(db: Db): DeviceStore {
  const insertCode = db.prepare(`INSERT INTO pairing_codes (code_id, code_key_hex, created_by, created_at_ms, expires_at_ms, auto_approve, used_at_ms,
      used_by_pairing_id, failed_attempts, burned_at_ms)
    VALUES (@codeId, @codeKeyHex, @createdBy, @createdAtMs, @expiresAtMs, @autoApprove, @usedAtMs, @usedByPairingId, @failedAttempts, @burnedAtMs)`);
  const codeById = db.prepare<[string], CodeRow>('SELECT * FROM pairing_codes WHERE code_id = ?');
  const miss = db.prepare(`UPDATE pairing_codes SET failed_attempts = failed_attempts + 1,
      burned_at_ms = CASE WHEN burned_at_ms IS NULL AND failed_attempts + 1 >= @burnAt THEN @at ELSE burned_at_ms END
    WHERE code_id = @codeId`);
  const useCode = db.prepare(`UPDATE pairing_codes SET used_at_ms = @at, used_by_pairing_id = @pairingId
    WHERE code_id = @codeId AND used_at_ms IS NULL AND burned_at_ms IS NULL AND expires_at_ms >= @at`);
  const insertRequest = db.prepare(
    `INSERT INTO pairing_requests (${Object.values(REQUEST_COLUMNS).join(', ')}) VALUES (${Object.keys(REQUEST_COLUMNS).map((key) => `@${key}`).join(', ')})`,
  );
  const requestById = db.prepare<[string], RequestRow>('SELECT * FROM pairing_requests WHERE pairing_id = ?');
  const expire = db.prepare(`UPDATE pairing_requests SET state = 'expired', reason = COALESCE(reason, 'pairing request expired before an operator decided')
    WHERE state = 'pending' AND expires_at_ms < ?`);
  const insertDevice = db.prepare(
    `INSERT INTO devices (${Object.values(DEVICE_COLUMNS).join(', ')}) VALUES (${Object.keys(DEVICE_COLUMNS).map((key) => `@${key}`).join(', ')})`,
  );
  const prepare = statementCache(db);
  const deviceById = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE device_id = ?');
  // Never moves last-seen back: a touch written behind may land after a newer direct update.
  const touch = db.prepare('UPDATE devices SET last_seen_ms = MAX(COALESCE(last_seen_ms, 0), @lastSeenMs) WHERE device_id = @deviceId');
  const revoke = db.prepare('UPDATE devices SET revoked_at_ms = @at, revoked_by = @by, revoke_reason = @reason WHERE device_id = @deviceId AND revoked_at_ms IS NULL');

  const updateRequest = (pairingId: string, from: readonly PairingState[], patch: Partial<PairingRequestRecord>): boolean => {
    const { sets, params } = assignments(REQUEST_COLUMNS, patch, (_key, value) => value);
    if (sets.length === 0) return false;
    const states = from.map((_, i) => `@from${i}`).join(', ');
    from.forEach((state, i) => (params[`from${i}`] = state));
    params.pairingId = pairingId;
    return prepare(`UPDATE pairing_requests SET ${sets.join(', ')} WHERE pairing_id = @pairingId AND state IN (${states})`).run(params).changes === 1;
  };

  return {
    insertCode: (record) => void insertCode.run({ ...record, autoApprove: record.autoApprove ? 1 : 0 }),
    getCode: (codeId) => mapCode(codeById.get(codeId)),
    recordCodeMiss: (codeId, burnAt, atMs) => {
      miss.run({ codeId, burnAt, at: atMs });
      return mapCode(codeById.get(codeId));
    },
    consumeCodeAndInsertRequest: (request, atMs) =>
      db.transaction(() => {
        if (useCode.run({ codeId: request.codeId, pairingId: request.pairingId, at: atMs }).changes !== 1) return false;
        insertRequest.run({ ...request });
        return true;
      })(),
    getRequest: (pairingId) => mapRequest(requestById.get(pairingId)),
    listRequests: (filter) => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      if (filter.state) {
        where.push('state = @state');
        params.state = filter.state;
      }
      if (filter.afterPairingId) {
        where.push('pairing_id > @after');
        params.after = filter.afterPairingId;
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      return prepare<Record<string, unknown>, RequestRow>(`SELECT * FROM pairing_requests ${clause} ORDER BY pairing_id LIMIT @limit`)
        .all(params)
        .map((row) => mapRequest(row) as PairingRequestRecord);
    },
    updateRequest,
    expireRequests: (nowMs) => expire.run(nowMs).changes,
    approveRequest: (pairingId, patch, device) =>
      db.transaction(() => {
        if (!updateRequest(pairingId, ['pending'], patch)) return false;
        insertDevice.run(toDeviceParams(device));
        return true;
      })(),
    getDevice: (deviceId) => mapDevice(deviceById.get(deviceId)),
    listDevices: (filter) => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      if (!filter.includeRevoked) where.push('revoked_at_ms IS NULL');
      if (filter.afterDeviceId) {
        where.push('device_id > @after');
        params.after = filter.afterDeviceId;
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      return prepare<Record<string, unknown>, DeviceRow>(`SELECT * FROM devices ${clause} ORDER BY device_id LIMIT @limit`)
        .all(params)
        .map((row) => mapDevice(row) as DeviceRecord);
    },
    updateDevice: (deviceId, patch) => {
      const { sets, params } = assignments(DEVICE_COLUMNS, patch, deviceValue);
      if (sets.length === 0) return;
      params.deviceId = deviceId;
      prepare(`UPDATE devices SET ${sets.join(', ')} WHERE device_id = @deviceId`).run(params);
    },
    touchDevice: (deviceId, lastSeenMs) => {
      touch.run({ deviceId, lastSeenMs });
    },
    revokeDevice: (deviceId, atMs, by, reason) => revoke.run({ deviceId, at: atMs, by, reason }).changes === 1,
  };
}

function assignments<T extends object>(
  columns: Record<keyof T, string>,
  patch: Partial<T>,
  encode: (key: keyof T, value: unknown) => unknown,
): { sets: string[]; params: Record<string, unknown> } {
  const sets: string[] = [];
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch) as Array<[keyof T & string, unknown]>) {
    if (value === undefined) continue;
    sets.push(`${columns[key]} = @p_${key}`);
    params[`p_${key}`] = encode(key, value);
  }
  return { sets, params };
}

function deviceValue(key: keyof DeviceRecord, value: unknown): unknown {
  return key === 'previousCerts' || key === 'capabilities' ? JSON.stringify(value) : value;
}

function toDeviceParams(device: DeviceRecord): Record<string, unknown> {
  return { ...device, previousCerts: JSON.stringify(device.previousCerts), capabilities: JSON.stringify(device.capabilities) };
}

function mapCode(row: CodeRow | undefined): PairingCodeRecord | undefined {
  if (!row) return undefined;
  return {
    codeId: row.code_id,
    codeKeyHex: row.code_key_hex,
    createdBy: row.created_by,
    createdAtMs: row.created_at_ms,
    expiresAtMs: row.expires_at_ms,
    autoApprove: row.auto_approve === 1,
    usedAtMs: row.used_at_ms,
    usedByPairingId: row.used_by_pairing_id,
    failedAttempts: row.failed_attempts,
    burnedAtMs: row.burned_at_ms,
  };
}

function fromRow<T>(columns: Record<keyof T, string>, row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns) as Array<[string, string]>) out[key] = row[column];
  return out as T;
}

function mapRequest(row: RequestRow | undefined): PairingRequestRecord | undefined {
  return row ? fromRow<PairingRequestRecord>(REQUEST_COLUMNS, row) : undefined;
}

function mapDevice(row: DeviceRow | undefined): DeviceRecord | undefined {
  if (!row) return undefined;
  const device = fromRow<DeviceRecord>(DEVICE_COLUMNS, row);
  return { ...device, previousCerts: JSON.parse(row.previous_certs_json), capabilities: JSON.parse(row.capabilities_json) };
}
