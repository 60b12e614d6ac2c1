// DeviceService: paired devices: certificate authentication, renewal, registration, presence, revocation.
import { createHash } from 'node:crypto';
import type { Authorizer } from '../auth/authorize.js';
import { type CallContext, createContext } from '../context.js';
import { CoreError } from '../errors.js';
import { requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import type { CertificateAuthority, CertificateRefusal, IssuedDeviceCertificate } from './certificate-authority.js';
import { checkCapabilities } from './capabilities.js';
import type { DeviceRecord, DeviceStore, NodeCapability, PairingRequestRecord } from './store.js';

export interface DeviceOptions {
  /** Device certificate lifetime. Default 24 h. */
  certValidityMs?: number;
  /** Heartbeats ask for renewal once this little is left. Default a third of the validity (8 h). */
  renewBeforeMs?: number;
  /** What nodes are told to use. Default 15 s. */
  heartbeatIntervalMs?: number;
  /** A node not seen for this long is offline. Default 60 s. */
  staleAfterMs?: number;
}

export const DEFAULT_CERT_VALIDITY_MS = 24 * 3_600_000;
export const MAX_DEVICE_PAGE = 500;
/** Certificates kept valid after renewal, newest first; older ones stop working at once. */
export const MAX_PREVIOUS_CERTS = 8;
const PLATFORM = /^[A-Za-z0-9._-]{1,64}$/;
/** Last-seen is kept to the second: a node's traffic within a second of the last write does not write again. */
const SEEN_RESOLUTION_MS = 1_000;

/** Sent to revocation listeners; transports close every open connection of `deviceId`. */
export interface RevocationEvent {
  deviceId: string;
  reason: string;
  revokedBy: string;
  /** The device's current and still-valid previous certificate fingerprints. */
  fingerprints: string[];
}

/** Returns how many connections it closed (summed into RevokeDeviceResponse.closed_connections). */
export type RevocationListener = (event: RevocationEvent) => number | void;

/** A device as operators see it (NodeSummary without the task counts). */
export interface DeviceView {
  deviceId: string;
  principal: string;
  displayName: string;
  clientKind: string;
  status: 'paired' | 'revoked';
  platform: string | null;
  capabilities: NodeCapability[];
  nodeVersion: string | null;
  pairedAtMs: number;
  registeredAtMs: number | null;
  lastSeenMs: number | null;
  /** Seen within the staleness window. */
  online: boolean;
  /** The transport reports at least one open connection. */
  connected: boolean;
  identityFingerprint: string;
  certFingerprint: string;
  certNotAfterMs: number;
  revokedAtMs: number | null;
  revokeReason: string | null;
}

/**
 * Device certificates are short-lived and renewed over the mTLS channel; a renewed device keeps its
 * previous certificates valid until they expire (at most 8), so connections made with them survive
 * the switch. Authentication accepts only certificates this daemon recorded for the device, so a
 * certificate from a lost database or a failed issuance is useless. Revocation is live: the device
 * row is marked, every later authentication fails with `permission_denied`, and listeners are told at
 * once so transports close open connections.
 */
export class DeviceService {
  private readonly certValidityMs: number;
  private readonly renewBeforeMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly connections = new Map<string, number>();
  private readonly revocationListeners = new Set<RevocationListener>();
  private readonly presenceListeners = new Set<(deviceId: string) => void>();

  constructor(
    private readonly store: DeviceStore,
    private readonly ca: CertificateAuthority,
    private readonly authorizer: Authorizer,
    private readonly journal: Journal,
    options: DeviceOptions,
    private readonly now: () => number,
  ) {
    this.certValidityMs = options.certValidityMs ?? DEFAULT_CERT_VALIDITY_MS;
    this.renewBeforeMs = options.renewBeforeMs ?? Math.floor(this.certValidityMs / 3);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 15_000;
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
  }

  /** Subscribes to revocations; returns an unsubscribe function. */
  onRevoked(listener: RevocationListener): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** Subscribes to connection changes (a node connected or disconnected); returns an unsubscribe function. */
  onPresence(listener: (deviceId: string) => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  /**
   * Turns a peer's leaf certificate (DER) into the node's context: principal `node:<id>`,
   * credential `device_certificate`, `credentialId` = fingerprint, `expiresAtMs` = notAfter, no scopes.
   * @throws CoreError `unauthenticated` (not ours, expired, wrong EKU/SAN, unknown to this daemon) or
   *   `permission_denied` (revoked), with a `CertificateRefusal` as `details.reason`.
   */
  authenticateCertificate(certDer: Uint8Array, options: { signal?: AbortSignal; requestId?: string } = {}): CallContext {
    const nowMs = this.now();
    const verified = this.ca.verifyDeviceCertificate(certDer, {
      nowMs,
      isRevoked: (_fingerprint, deviceId) => this.store.getDevice(deviceId)?.revokedAtMs != null,
    });
    const device = this.store.getDevice(verified.deviceId);
    if (!device) throw new CoreError('unauthenticated', 'client certificate does not belong to a paired device', { details: { reason: 'bad_certificate' satisfies CertificateRefusal } });
    const known = device.certFingerprint === verified.fingerprint || device.previousCerts.some((cert) => cert.fingerprint === verified.fingerprint);
    if (!known) throw new CoreError('unauthenticated', 'client certificate is not one this daemon issued to the device (superseded or unknown)', { details: { reason: 'bad_certificate' satisfies CertificateRefusal } });
    return createContext({
      principal: device.principal,
      deviceId: device.deviceId,
      scopes: [],
      credential: 'device_certificate',
      credentialId: verified.fingerprint,
      expiresAtMs: verified.notAfterMs,
      ...options,
    });
  }

  /**
   * Issues a new certificate for the calling node's (preferably fresh) key. The previous certificate
   * stays valid until it expires. @throws CoreError `permission_denied` for a non-node caller or a
   * revoked device, `invalid_argument` for a bad key/CSR.
   */
  async renewCertificate(ctx: CallContext, input: { publicKeySpkiDer: Uint8Array; csrDer?: Uint8Array }): Promise<IssuedDeviceCertificate> {
    const device = this.requireActiveNode(ctx);
    const cert = await this.issueCertificate(device.deviceId, input.publicKeySpkiDer, input.csrDer);
    const nowMs = this.now();
    const previousCerts = [{ fingerprint: device.certFingerprint, notAfterMs: device.certNotAfterMs }, ...device.previousCerts]
      .filter((previous) => previous.notAfterMs > nowMs)
      .slice(0, MAX_PREVIOUS_CERTS);
    this.store.updateDevice(device.deviceId, {
      certFingerprint: cert.fingerprint,
      certNotAfterMs: cert.notAfterMs,
      previousCerts,
      tlsPublicKeySpki: Buffer.from(input.publicKeySpkiDer),
      lastSeenMs: nowMs,
    });
    await this.audit(ctx, 'device.certificate_renewed', { device_id: device.deviceId, cert_fingerprint: cert.fingerprint, cert_not_after_ms: cert.notAfterMs });
    return cert;
  }

  /** RegisterNode: replaces platform and capability list. @throws CoreError `invalid_argument`, `permission_denied`. */
  async register(
    ctx: CallContext,
    input: { platform: string; capabilities: NodeCapability[]; nodeVersion?: string },
  ): Promise<{ accepted: true; reason: 'registered'; heartbeatIntervalMs: number }> {
    const device = this.requireActiveNode(ctx);
    const platform = input.platform.trim();
    if (!PLATFORM.test(platform)) throw new CoreError('invalid_argument', 'platform must be 1-64 characters of [A-Za-z0-9._-], e.g. linux-x86_64');
    const capabilities = checkCapabilities(input.capabilities);
    const nodeVersion = input.nodeVersion?.trim().slice(0, 64) || null;
    const nowMs = this.now();
    this.store.updateDevice(device.deviceId, { platform, capabilities, nodeVersion, registeredAtMs: device.registeredAtMs ?? nowMs, lastSeenMs: nowMs });
    await this.audit(ctx, 'node.registered', { device_id: device.deviceId, platform, capabilities: capabilities.map((c) => `${c.name}:${c.available}`) });
    return { accepted: true, reason: 'registered', heartbeatIntervalMs: this.heartbeatIntervalMs };
  }

  /** Heartbeat: updates last-seen; `renewCertificate` is true once the current certificate is within the renewal window. */
  heartbeat(ctx: CallContext): { serverTimeMs: number; renewCertificate: boolean; heartbeatIntervalMs: number } {
    const device = this.requireActiveNode(ctx);
    const nowMs = this.now();
    this.store.touchDevice(device.deviceId, nowMs);
    return { serverTimeMs: nowMs, renewCertificate: device.certNotAfterMs - nowMs <= this.renewBeforeMs, heartbeatIntervalMs: this.heartbeatIntervalMs };
  }

  /** The transport opened a connection for the device (counts; also updates last-seen). */
  markConnected(deviceId: string): void {
    this.connections.set(deviceId, (this.connections.get(deviceId) ?? 0) + 1);
    this.markSeen(deviceId);
    for (const listener of this.presenceListeners) listener(deviceId);
  }

  /** The transport closed one of the device's connections. */
  markDisconnected(deviceId: string): void {
    const left = (this.connections.get(deviceId) ?? 0) - 1;
    if (left > 0) this.connections.set(deviceId, left);
    else this.connections.delete(deviceId);
    this.markSeen(deviceId);
    for (const listener of this.presenceListeners) listener(deviceId);
  }

  /** Devices with at least one open connection. */
  get connectedCount(): number {
    return this.connections.size;
  }

  isConnected(deviceId: string): boolean {
    return (this.connections.get(deviceId) ?? 0) > 0;
  }

  /**
   * Revokes a device: refused from now on, listeners close its connections. Revoking twice is not an
   * error (`revoked: false`). @throws CoreError `not_found`, `permission_denied`.
   */
  async revoke(ctx: CallContext, deviceId: string, reason?: string): Promise<{ deviceId: string; revoked: boolean; closedConnections: number }> {
    this.authorizer.authorize(ctx, 'devices.write');
    const id = requireCanonicalId(deviceId, 'device_id');
    const device = this.store.getDevice(id);
    if (!device) throw new CoreError('not_found', 'device was not found');
    const why = reason?.trim().slice(0, 256) || 'revoked_by_operator';
    if (!this.store.revokeDevice(id, this.now(), ctx.principal, why)) return { deviceId: id, revoked: false, closedConnections: 0 };
    const event: RevocationEvent = {
      deviceId: id,
      reason: why,
      revokedBy: ctx.principal,
      fingerprints: [device.certFingerprint, ...device.previousCerts.map((cert) => cert.fingerprint)],
    };
    let closedConnections = 0;
    for (const listener of this.revocationListeners) closedConnections += listener(event) ?? 0;
    await this.audit(ctx, 'device.revoked', { device_id: id, reason: why, closed_connections: closedConnections });
    return { deviceId: id, revoked: true, closedConnections };
  }

  /** Devices by id; `limit` 1..500 (default 100). */
  list(ctx: CallContext, filter: { afterDeviceId?: string; limit?: number; includeRevoked?: boolean } = {}): DeviceView[] {
    this.authorizer.authorize(ctx, 'devices.read');
    return this.views(filter);
  }

  /** `list` without the authorization step, for other core services that authorized already. */
  views(filter: { afterDeviceId?: string; limit?: number; includeRevoked?: boolean } = {}): DeviceView[] {
    const limit = filter.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_DEVICE_PAGE) throw new CoreError('invalid_argument', `limit must be 1..${MAX_DEVICE_PAGE}`);
    if (filter.afterDeviceId !== undefined) requireCanonicalId(filter.afterDeviceId, 'after_device_id');
    return this.store
      .listDevices({ limit, includeRevoked: filter.includeRevoked ?? true, ...(filter.afterDeviceId ? { afterDeviceId: filter.afterDeviceId } : {}) })
      .map((device) => this.view(device));
  }

  /** @throws CoreError `not_found`. */
  get(ctx: CallContext, deviceId: string): DeviceView {
    this.authorizer.authorize(ctx, 'devices.read');
    const device = this.store.getDevice(requireCanonicalId(deviceId, 'device_id'));
    if (!device) throw new CoreError('not_found', 'device was not found');
    return this.view(device);
  }

  /** The stored record, for other core services (no authorization). */
  getRecord(deviceId: string): DeviceRecord | undefined {
    return this.store.getDevice(deviceId);
  }

  /** Refuses a device id that is revoked (`permission_denied`) or already paired (`already_exists`). */
  assertPairable(deviceId: string): void {
    const existing = this.store.getDevice(deviceId);
    if (existing?.revokedAtMs != null) throw new CoreError('permission_denied', 'device is revoked; pair with a new device id');
    if (existing) throw new CoreError('already_exists', 'device is already paired; revoke it first or pair with a new device id');
  }

  /** A certificate for `deviceId`'s key with the configured validity. */
  issueCertificate(deviceId: string, publicKeySpkiDer: Uint8Array, csrDer?: Uint8Array): Promise<IssuedDeviceCertificate> {
    return this.ca.issueDeviceCertificate({ deviceId, publicKeySpkiDer, csrDer, validityMs: this.certValidityMs, nowMs: this.now() });
  }

  /** The device row an approved pairing request creates. */
  newDeviceRecord(request: PairingRequestRecord, cert: IssuedDeviceCertificate, nowMs: number): DeviceRecord {
    return {
      deviceId: request.deviceId,
      principal: `node:${request.deviceId}`,
      clientKind: request.clientKind,
      displayName: request.displayName,
      identityPublicKey: request.identityPublicKey,
      tlsPublicKeySpki: request.tlsPublicKeySpki,
      certFingerprint: cert.fingerprint,
      certNotAfterMs: cert.notAfterMs,
      previousCerts: [],
      pairingId: request.pairingId,
      pairedAtMs: nowMs,
      platform: null,
      capabilities: [],
      nodeVersion: null,
      registeredAtMs: null,
      lastSeenMs: null,
      revokedAtMs: null,
      revokedBy: null,
      revokeReason: null,
    };
  }

  /** The calling node's active device record. @throws CoreError `permission_denied`. */
  requireActiveNode(ctx: CallContext): DeviceRecord {
    if (ctx.credential !== 'device_certificate' || ctx.principal !== `node:${ctx.deviceId}`) {
      throw new CoreError('permission_denied', 'only a paired node with its device certificate may call this');
    }
    const device = this.store.getDevice(ctx.deviceId);
    if (!device) throw new CoreError('permission_denied', 'device is not paired');
    if (device.revokedAtMs !== null) throw new CoreError('permission_denied', 'device is revoked');
    return device;
  }

  /** Updates the device's last-seen time (any authenticated traffic from it), to the second: traffic within a second of the last write writes nothing. */
  markSeen(deviceId: string): void {
    const device = this.store.getDevice(deviceId);
    const nowMs = this.now();
    if (device && (device.lastSeenMs === null || nowMs - device.lastSeenMs >= SEEN_RESOLUTION_MS)) this.store.touchDevice(deviceId, nowMs);
  }

  private view(device: DeviceRecord): DeviceView {
    const nowMs = this.now();
    return {
      deviceId: device.deviceId,
      principal: device.principal,
      displayName: device.displayName,
      clientKind: device.clientKind,
      status: device.revokedAtMs === null ? 'paired' : 'revoked',
      platform: device.platform,
      capabilities: device.capabilities,
      nodeVersion: device.nodeVersion,
      pairedAtMs: device.pairedAtMs,
      registeredAtMs: device.registeredAtMs,
      lastSeenMs: device.lastSeenMs,
      online: device.revokedAtMs === null && device.lastSeenMs !== null && nowMs - device.lastSeenMs <= this.staleAfterMs,
      connected: this.isConnected(device.deviceId),
      identityFingerprint: createHash('sha256').update(device.identityPublicKey).digest('hex'),
      certFingerprint: device.certFingerprint,
      certNotAfterMs: device.certNotAfterMs,
      revokedAtMs: device.revokedAtMs,
      revokeReason: device.revokeReason,
    };
  }

  private async audit(ctx: CallContext, kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.journal.append({ kind, actor: ctx.credential === 'device_certificate' ? 'system' : 'user', principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel, payload });
  }
}
