// PairingService: one-time codes, the node's proof of a code bound to its keys, operator decisions,
// and certificate delivery for the node's own key.
import { randomBytes } from 'node:crypto';
import type { Authorizer } from '../auth/authorize.js';
import type { CallContext } from '../context.js';
import { CoreError } from '../errors.js';
import { newId, requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import type { CertificateAuthority } from './certificate-authority.js';
import type { DeviceService } from './devices.js';
import { MissLimiter } from './miss-limiter.js';
import { type BeginPairingInput, checkBeginInput } from './pairing-input.js';
import {
  formatJoinString,
  identitySignatureValid,
  pairingCodeKey,
  pairingProof,
  pairingStatusMessage,
  pairingTranscript,
  proofMatches,
} from './pairing-transcript.js';
import {
  type BeginPairingResult,
  type CreatedPairingCode,
  type PairingRequestView,
  type PairingStatusResult,
  sha256Hex as sha256,
  toView,
} from './pairing-views.js';
import type { DeviceStore, PairingRequestRecord, PairingState } from './store.js';

export type { BeginPairingInput } from './pairing-input.js';
export type { BeginPairingResult, CreatedPairingCode, PairingRequestView, PairingStatusResult } from './pairing-views.js';

export interface PairingOptions {
  /** `host:port` nodes dial, written into join strings; the QUIC listener updates it once bound. */
  advertisedAddress: string;
  /** Default 10 min; requests are clamped to [30 s, 24 h]. */
  defaultCodeTtlMs?: number;
  /** How long a pending request waits for an operator. Default 15 min. */
  requestTtlMs?: number;
  /** Misses that burn a code. Default 5. */
  maxCodeMisses?: number;
  /** Misses per peer address per minute before it is locked out. Default 5. */
  maxPeerMisses?: number;
  /** How often nodes should poll GetPairingStatus. Default 1000 ms. */
  pollIntervalMs?: number;
}

export const MIN_CODE_TTL_MS = 30_000;
export const MAX_CODE_TTL_MS = 24 * 3_600_000;
export const DEFAULT_CODE_TTL_MS = 10 * 60_000;
export const MAX_PAIRING_PAGE = 500;
const AUTO_APPROVER = 'system:pairing-auto-approve';

/**
 * Trust on first use, verified both ways: the join string carries the daemon CA fingerprint (the
 * node pins the daemon) and a code secret the node proves it holds with an HMAC bound to its device
 * id and public keys (the daemon learns the node's keys from someone holding the code). Codes are
 * single use and expiring; only a derived key is stored. A wrong proof counts a miss for the peer
 * (5 per minute, then `resource_exhausted`) and for the code (burned at 5).
 *
 * Errors of `beginPairing`: malformed input → `invalid_argument`; peer locked out →
 * `resource_exhausted`; unknown code or wrong proof → `permission_denied` (same message, so code
 * ids cannot be probed); with a correct proof: burned / used / expired code → `failed_precondition`
 * with `details.reason` = `burned` | `used` | `expired`; revoked device → `permission_denied`;
 * device already paired → `already_exists`.
 */
export class PairingService {
  private advertisedAddress: string;
  private readonly defaultCodeTtlMs: number;
  private readonly requestTtlMs: number;
  private readonly maxCodeMisses: number;
  private readonly pollIntervalMs: number;
  private readonly peers: MissLimiter;

  constructor(
    private readonly store: DeviceStore,
    private readonly ca: CertificateAuthority,
    private readonly devices: DeviceService,
    private readonly authorizer: Authorizer,
    private readonly journal: Journal,
    options: PairingOptions,
    private readonly now: () => number,
  ) {
    this.advertisedAddress = options.advertisedAddress;
    this.defaultCodeTtlMs = options.defaultCodeTtlMs ?? DEFAULT_CODE_TTL_MS;
    this.requestTtlMs = options.requestTtlMs ?? 15 * 60_000;
    this.maxCodeMisses = options.maxCodeMisses ?? 5;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.peers = new MissLimiter(options.maxPeerMisses ?? 5, 60_000, now);
  }

  /** Sets the `host:port` future join strings carry (the QUIC listener calls it once bound). */
  setAdvertisedAddress(address: string): void {
    this.advertisedAddress = address;
  }

  /**
   * Mints a single-use code. `ttlMs` 0/absent means 10 min; it is clamped to [30 s, 24 h].
   * With `autoApprove` the first node proving the code is approved without an operator.
   * @throws CoreError `permission_denied` without scope `devices:write`.
   */
  async createCode(ctx: CallContext, input: { ttlMs?: number; autoApprove?: boolean } = {}): Promise<CreatedPairingCode> {
    this.authorizer.authorize(ctx, 'devices.write');
    const ttl = input.ttlMs ? input.ttlMs : this.defaultCodeTtlMs;
    if (!Number.isFinite(ttl) || ttl < 0) throw new CoreError('invalid_argument', 'ttl_ms must be a non-negative number');
    const ttlMs = Math.min(Math.max(Math.trunc(ttl), MIN_CODE_TTL_MS), MAX_CODE_TTL_MS);
    const codeId = newId();
    const secret = randomBytes(32).toString('base64url');
    const nowMs = this.now();
    const autoApprove = input.autoApprove === true;
    this.store.insertCode({
      codeId,
      codeKeyHex: pairingCodeKey(secret).toString('hex'),
      createdBy: ctx.principal,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + ttlMs,
      autoApprove,
      usedAtMs: null,
      usedByPairingId: null,
      failedAttempts: 0,
      burnedAtMs: null,
    });
    await this.record(ctx, 'device.pairing_code_created', { code_id: codeId, expires_at_ms: nowMs + ttlMs, auto_approve: autoApprove });
    return {
      codeId,
      joinString: formatJoinString({ codeId, secret, caFingerprint: this.ca.fingerprint, address: this.advertisedAddress }),
      expiresAtMs: nowMs + ttlMs,
      caFingerprint: this.ca.fingerprint,
      autoApprove,
    };
  }

  /** The node's first call (no client certificate). See the class comment for the errors. */
  async beginPairing(input: BeginPairingInput): Promise<BeginPairingResult> {
    const checked = checkBeginInput(input);
    this.peers.check(input.peer);
    const code = this.store.getCode(checked.codeId);
    const transcript = { ...checked, caFingerprint: this.ca.fingerprint };
    if (!code || !proofMatches(pairingProof(Buffer.from(code.codeKeyHex, 'hex'), transcript), checked.proof)) {
      this.peers.record(input.peer);
      const after = code ? this.store.recordCodeMiss(code.codeId, this.maxCodeMisses, this.now()) : undefined;
      await this.recordSystem(checked.deviceId, 'device.pairing_failed', {
        code_id: checked.codeId,
        device_id: checked.deviceId,
        peer: input.peer,
        why: code ? 'proof_mismatch' : 'unknown_code',
        code_burned: after !== undefined && after.burnedAtMs !== null,
      });
      throw new CoreError('permission_denied', 'pairing code proof does not match; check the join string');
    }
    const nowMs = this.now();
    if (code.burnedAtMs !== null) throw codeUnusable('burned', 'pairing code was burned after too many failed attempts; create a new one');
    if (code.usedAtMs !== null) {
      const previous = code.usedByPairingId ? this.store.getRequest(code.usedByPairingId) : undefined;
      // The same node retrying the same call (a lost response) gets its request back.
      if (previous && previous.deviceId === checked.deviceId && previous.tlsPublicKeySpki.equals(checked.tlsPublicKeySpki)) {
        return this.beginResult(this.refresh(previous));
      }
      throw codeUnusable('used', 'pairing code was already used; create a new one');
    }
    if (nowMs > code.expiresAtMs) throw codeUnusable('expired', 'pairing code has expired; create a new one');
    this.devices.assertPairable(checked.deviceId);
    await this.ca.checkDevicePublicKey(checked.tlsPublicKeySpki, checked.csrDer);
    const request: PairingRequestRecord = {
      pairingId: newId(),
      codeId: code.codeId,
      deviceId: checked.deviceId,
      clientKind: checked.clientKind,
      displayName: checked.displayName,
      tlsPublicKeySpki: Buffer.from(checked.tlsPublicKeySpki),
      identityPublicKey: Buffer.from(checked.identityPublicKey),
      transcriptSha256: sha256(pairingTranscript(transcript)),
      peer: input.peer,
      state: 'pending',
      requestedAtMs: nowMs,
      expiresAtMs: nowMs + this.requestTtlMs,
      decidedBy: null,
      decidedAtMs: null,
      reason: null,
      certificatePem: null,
      certFingerprint: null,
      certNotAfterMs: null,
      completedAtMs: null,
    };
    if (!this.store.consumeCodeAndInsertRequest(request, nowMs)) throw codeUnusable('used', 'pairing code was already used; create a new one');
    await this.recordSystem(request.deviceId, 'device.pairing_requested', {
      pairing_id: request.pairingId,
      code_id: code.codeId,
      device_id: request.deviceId,
      peer: input.peer,
      identity_fingerprint: sha256(request.identityPublicKey),
      key_fingerprint: sha256(request.tlsPublicKeySpki),
      transcript_sha256: request.transcriptSha256,
      auto_approve: code.autoApprove,
    });
    if (code.autoApprove) return this.beginResult(await this.decide(request.pairingId, AUTO_APPROVER, true, 'auto_approved'));
    return this.beginResult(request);
  }

  /**
   * The node's poll, signed with its identity key over `pairingStatusMessage(pairingId, deviceId)`.
   * The first poll after approval moves the request to `completed`; later polls return the same
   * certificate (it is public; the private key never left the node).
   * @throws CoreError `not_found`, `permission_denied` (other device, bad signature).
   */
  async getStatus(input: { pairingId: string; deviceId: string; identitySignature: Uint8Array }): Promise<PairingStatusResult> {
    const pairingId = requireCanonicalId(input.pairingId, 'pairing_id');
    const deviceId = requireCanonicalId(input.deviceId, 'device_id');
    const found = this.store.getRequest(pairingId);
    if (!found) throw new CoreError('not_found', 'pairing request was not found');
    if (found.deviceId !== deviceId) throw new CoreError('permission_denied', 'pairing request belongs to another device');
    if (!identitySignatureValid(found.identityPublicKey, pairingStatusMessage(pairingId, deviceId), input.identitySignature)) {
      throw new CoreError('permission_denied', 'pairing status request is not signed by the requesting node identity key');
    }
    let request = this.refresh(found);
    if (request.state === 'approved') {
      const nowMs = this.now();
      if (this.store.updateRequest(pairingId, ['approved'], { state: 'completed', completedAtMs: nowMs })) {
        request = { ...request, state: 'completed', completedAtMs: nowMs };
      }
    }
    const delivered = request.state === 'approved' || request.state === 'completed';
    return {
      pairingId,
      status: request.state,
      reason: request.reason ?? '',
      certificatePem: delivered ? request.certificatePem : null,
      caChainPem: delivered ? [this.ca.certificatePem] : [],
      certNotAfterMs: delivered ? request.certNotAfterMs : null,
      certFingerprint: delivered ? request.certFingerprint : null,
    };
  }

  /**
   * Approves a pending request: issues the certificate for the node's key and creates the device.
   * @throws CoreError `not_found`; `failed_precondition` unless the request is pending (a rejected
   *   or expired request cannot be approved, nor an approved one rejected).
   */
  async approve(ctx: CallContext, pairingId: string, reason?: string): Promise<PairingRequestView> {
    this.authorizer.authorize(ctx, 'devices.write');
    return toView(await this.decide(requireCanonicalId(pairingId, 'pairing_id'), ctx.principal, true, reason?.trim() || 'approved_by_operator'));
  }

  /** Rejects a pending request. Errors as `approve`. */
  async reject(ctx: CallContext, pairingId: string, reason?: string): Promise<PairingRequestView> {
    this.authorizer.authorize(ctx, 'devices.write');
    return toView(await this.decide(requireCanonicalId(pairingId, 'pairing_id'), ctx.principal, false, reason?.trim() || 'rejected_by_operator'));
  }

  /** Pairing requests, oldest first, optionally one state; `limit` 1..500 (default 100). */
  list(ctx: CallContext, filter: { state?: PairingState; afterPairingId?: string; limit?: number } = {}): PairingRequestView[] {
    this.authorizer.authorize(ctx, 'devices.read');
    const limit = filter.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAIRING_PAGE) throw new CoreError('invalid_argument', `limit must be 1..${MAX_PAIRING_PAGE}`);
    if (filter.afterPairingId !== undefined) requireCanonicalId(filter.afterPairingId, 'after_pairing_id');
    this.store.expireRequests(this.now());
    return this.store
      .listRequests({ limit, ...(filter.state ? { state: filter.state } : {}), ...(filter.afterPairingId ? { afterPairingId: filter.afterPairingId } : {}) })
      .map(toView);
  }

  private async decide(pairingId: string, decidedBy: string, approved: boolean, reason: string): Promise<PairingRequestRecord> {
    const found = this.store.getRequest(pairingId);
    if (!found) throw new CoreError('not_found', 'pairing request was not found');
    const request = this.refresh(found);
    if (request.state !== 'pending') throw new CoreError('failed_precondition', `pairing request is ${request.state}, not pending`);
    const nowMs = this.now();
    const actor = { principal: decidedBy, deviceId: request.deviceId };
    if (!approved) {
      if (!this.store.updateRequest(pairingId, ['pending'], { state: 'rejected', decidedBy, decidedAtMs: nowMs, reason })) {
        throw new CoreError('failed_precondition', 'pairing request was decided meanwhile');
      }
      await this.recordAs(actor, 'device.pairing_rejected', { pairing_id: pairingId, device_id: request.deviceId, reason });
      return { ...request, state: 'rejected', decidedBy, decidedAtMs: nowMs, reason };
    }
    this.devices.assertPairable(request.deviceId);
    const cert = await this.devices.issueCertificate(request.deviceId, request.tlsPublicKeySpki);
    const patch = {
      state: 'approved' as const,
      decidedBy,
      decidedAtMs: nowMs,
      reason,
      certificatePem: cert.certificatePem,
      certFingerprint: cert.fingerprint,
      certNotAfterMs: cert.notAfterMs,
    };
    const device = this.devices.newDeviceRecord(request, cert, nowMs);
    if (!this.store.approveRequest(pairingId, patch, device)) throw new CoreError('failed_precondition', 'pairing request was decided meanwhile');
    await this.recordAs(actor, 'device.paired', {
      pairing_id: pairingId,
      device_id: request.deviceId,
      cert_fingerprint: cert.fingerprint,
      cert_not_after_ms: cert.notAfterMs,
      reason,
    });
    return { ...request, ...patch };
  }

  /** The request with lazy expiry applied. */
  private refresh(request: PairingRequestRecord): PairingRequestRecord {
    if (request.state !== 'pending' || this.now() <= request.expiresAtMs) return request;
    const reason = 'pairing request expired before an operator decided';
    this.store.updateRequest(request.pairingId, ['pending'], { state: 'expired', reason });
    return this.store.getRequest(request.pairingId) ?? { ...request, state: 'expired', reason };
  }

  private beginResult(request: PairingRequestRecord): BeginPairingResult {
    return { pairingId: request.pairingId, status: request.state, expiresAtMs: request.expiresAtMs, pollIntervalMs: this.pollIntervalMs, caFingerprint: this.ca.fingerprint };
  }

  private async record(ctx: CallContext, kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.journal.append({ kind, actor: 'user', principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel, payload });
  }

  private async recordAs(actor: { principal: string; deviceId: string }, kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.journal.append({ kind, actor: actor.principal.startsWith('system:') ? 'system' : 'user', principal: actor.principal, deviceId: actor.deviceId, payload });
  }

  private async recordSystem(deviceId: string, kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.journal.append({ kind, actor: 'system', principal: `node:${deviceId}`, deviceId, payload });
  }
}

function codeUnusable(reason: 'burned' | 'used' | 'expired', message: string): CoreError {
  return new CoreError('failed_precondition', message, { details: { reason } });
}
