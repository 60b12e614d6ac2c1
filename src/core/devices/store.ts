// Port: storage of pairing codes, pairing requests and devices; infra/store/device-store.ts implements it on SQLite.
import type { ClientKind } from './pairing-transcript.js';

export interface PairingCodeRecord {
  codeId: string;
  /** HMAC key derived from the code secret (`pairingCodeKey`), hex; the secret itself is never stored. */
  codeKeyHex: string;
  createdBy: string;
  createdAtMs: number;
  expiresAtMs: number;
  autoApprove: boolean;
  usedAtMs: number | null;
  /** The pairing request that used the code. */
  usedByPairingId: string | null;
  failedAttempts: number;
  burnedAtMs: number | null;
}

export type PairingState = 'pending' | 'approved' | 'rejected' | 'completed' | 'expired';

export interface PairingRequestRecord {
  pairingId: string;
  codeId: string;
  deviceId: string;
  clientKind: ClientKind;
  displayName: string;
  tlsPublicKeySpki: Buffer;
  identityPublicKey: Buffer;
  /** Lower-case hex SHA-256 of the pairing transcript the proof covered (what the operator compares). */
  transcriptSha256: string;
  peer: string;
  state: PairingState;
  requestedAtMs: number;
  expiresAtMs: number;
  decidedBy: string | null;
  decidedAtMs: number | null;
  reason: string | null;
  certificatePem: string | null;
  certFingerprint: string | null;
  certNotAfterMs: number | null;
  completedAtMs: number | null;
}

export interface NodeCapability {
  name: string;
  available: boolean;
}

/** A certificate that was current once and stays valid until it expires (renewal overlap). */
export interface PreviousCertificate {
  fingerprint: string;
  notAfterMs: number;
}

export interface DeviceRecord {
  deviceId: string;
  /** Always `node:<deviceId>`. */
  principal: string;
  clientKind: ClientKind;
  displayName: string;
  identityPublicKey: Buffer;
  tlsPublicKeySpki: Buffer;
  certFingerprint: string;
  certNotAfterMs: number;
  previousCerts: PreviousCertificate[];
  pairingId: string;
  pairedAtMs: number;
  /** Null until the node calls RegisterNode. */
  platform: string | null;
  capabilities: NodeCapability[];
  nodeVersion: string | null;
  registeredAtMs: number | null;
  lastSeenMs: number | null;
  revokedAtMs: number | null;
  revokedBy: string | null;
  revokeReason: string | null;
}

export interface DeviceStore {
  insertCode(record: PairingCodeRecord): void;
  getCode(codeId: string): PairingCodeRecord | undefined;
  /** Adds a miss; burns the code (sets burned_at) once `failedAttempts` reaches `burnAt`. Returns the new record. */
  recordCodeMiss(codeId: string, burnAt: number, atMs: number): PairingCodeRecord | undefined;
  /** Marks the code used by `pairingId` and stores the request, in one transaction; false if the code was no longer usable. */
  consumeCodeAndInsertRequest(request: PairingRequestRecord, atMs: number): boolean;
  getRequest(pairingId: string): PairingRequestRecord | undefined;
  listRequests(filter: { state?: PairingState; afterPairingId?: string; limit: number }): PairingRequestRecord[];
  /** Moves a request from one of `from` to the new state with the given fields; false if it was in another state. */
  updateRequest(pairingId: string, from: readonly PairingState[], patch: Partial<PairingRequestRecord>): boolean;
  /** Marks pending/approved requests whose expiry has passed as expired; returns how many. */
  expireRequests(nowMs: number): number;
  /** Approves a request and creates its device, in one transaction; false if the request was no longer pending. */
  approveRequest(pairingId: string, patch: Partial<PairingRequestRecord>, device: DeviceRecord): boolean;
  getDevice(deviceId: string): DeviceRecord | undefined;
  listDevices(filter: { afterDeviceId?: string; limit: number; includeRevoked: boolean }): DeviceRecord[];
  updateDevice(deviceId: string, patch: Partial<DeviceRecord>): void;
  /**
   * Records the device's latest traffic. A store may write it behind (the daemon's cached store holds
   * it in memory and commits all of them together, see `cacheDeviceStore`); reads see it at once.
   */
  touchDevice(deviceId: string, lastSeenMs: number): void;
  /** Sets revoked_at (only if not yet revoked); false when it already was. */
  revokeDevice(deviceId: string, atMs: number, by: string, reason: string): boolean;
}
