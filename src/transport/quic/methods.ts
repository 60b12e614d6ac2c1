// The NodeService method table: each unary method's messages, whether it needs the paired certificate, and its one core call.
import type { CallContext } from '../../core/context.js';
import type { DeviceService } from '../../core/devices/devices.js';
import type { PairingService } from '../../core/devices/pairing.js';
import type { ClientKind as CoreClientKind } from '../../core/devices/pairing-transcript.js';
import type { PairingState } from '../../core/devices/store.js';
import { CoreError } from '../../core/errors.js';
import type { NodeService as CoreNodeService } from '../../core/nodes/nodes.js';
import {
  BeginPairingRequest,
  BeginPairingResponse,
  ClientKind,
  GetPairingStatusRequest,
  GetPairingStatusResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  PairingStatus,
  RegisterNodeRequest,
  RegisterNodeResponse,
  RenewCertificateRequest,
  RenewCertificateResponse,
} from '../../gen/palyra/node/v1/node.js';
import { requireSameDevice } from './auth.js';
import type { PeerInfo } from './rpc-stream.js';

/** The core services node RPC calls. */
export interface NodeRpcCore {
  devices: DeviceService;
  pairing: PairingService;
  nodes: CoreNodeService;
}

/** Method names are NodeService's gRPC paths. */
export const METHOD_PREFIX = '/palyra.node.v1.NodeService/';
export const OPEN_TASK_CHANNEL = `${METHOD_PREFIX}OpenTaskChannel`;

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** One unary method. `ctx` is null for the pairing methods, which need no certificate. */
export interface UnaryMethod<Req extends { v: number }, Res> {
  needsCertificate: boolean;
  request: Codec<Req>;
  response: Codec<Res>;
  handle(core: NodeRpcCore, ctx: CallContext | null, request: Req, peer: PeerInfo): Promise<Res> | Res;
}

function unary<Req extends { v: number }, Res>(method: UnaryMethod<Req, Res>): UnaryMethod<{ v: number }, unknown> {
  return method as unknown as UnaryMethod<{ v: number }, unknown>;
}

const CLIENT_KINDS: Partial<Record<ClientKind, CoreClientKind>> = {
  [ClientKind.CLIENT_KIND_UNSPECIFIED]: 'node',
  [ClientKind.CLIENT_KIND_NODE]: 'node',
  [ClientKind.CLIENT_KIND_CLI]: 'cli',
  [ClientKind.CLIENT_KIND_DESKTOP]: 'desktop',
};

const PAIRING_STATUS = {
  pending: PairingStatus.PAIRING_STATUS_PENDING_APPROVAL,
  approved: PairingStatus.PAIRING_STATUS_APPROVED,
  rejected: PairingStatus.PAIRING_STATUS_REJECTED,
  completed: PairingStatus.PAIRING_STATUS_COMPLETED,
  expired: PairingStatus.PAIRING_STATUS_EXPIRED,
} as const satisfies Record<PairingState, PairingStatus>;

const id = (ulid: string) => ({ ulid });
const nodeCtx = (ctx: CallContext | null): CallContext => {
  if (!ctx) throw new CoreError('internal', 'certificate-bound method ran without a context');
  return ctx;
};

/** A node's heartbeat, however it came (the Heartbeat call or the task channel). @throws CoreError `permission_denied` for another device's id. */
export function answerHeartbeat(core: NodeRpcCore, node: CallContext, req: HeartbeatRequest): HeartbeatResponse {
  requireSameDevice(node, req.deviceId?.ulid);
  const beat = core.devices.heartbeat(node);
  return { v: 1, serverTimeUnixMs: beat.serverTimeMs, renewCertificate: beat.renewCertificate, heartbeatIntervalMs: beat.heartbeatIntervalMs };
}

/** Every unary NodeService method; OpenTaskChannel is the one streaming method (task-channel.ts). */
export const UNARY_METHODS: Readonly<Record<string, UnaryMethod<{ v: number }, unknown>>> = {
  [`${METHOD_PREFIX}BeginPairing`]: unary({
    needsCertificate: false,
    request: BeginPairingRequest,
    response: BeginPairingResponse,
    async handle(core, _ctx, req, peer) {
      const clientKind = CLIENT_KINDS[req.clientKind];
      if (!clientKind) throw new CoreError('invalid_argument', 'client_kind must be one of cli|desktop|node');
      const result = await core.pairing.beginPairing({
        deviceId: req.deviceId?.ulid ?? '',
        clientKind,
        codeId: req.codeId,
        proof: req.codeProof,
        tlsPublicKeySpki: req.publicKeySpkiDer,
        ...(req.csrDer.length > 0 ? { csrDer: req.csrDer } : {}),
        identityPublicKey: req.identityPublicKey,
        displayName: req.displayName,
        peer: peer.address,
      });
      return {
        v: 1,
        pairingId: id(result.pairingId),
        status: PAIRING_STATUS[result.status],
        expiresAtUnixMs: result.expiresAtMs,
        pollIntervalMs: result.pollIntervalMs,
        caFingerprintSha256: result.caFingerprint,
      };
    },
  }),
  [`${METHOD_PREFIX}GetPairingStatus`]: unary({
    needsCertificate: false,
    request: GetPairingStatusRequest,
    response: GetPairingStatusResponse,
    async handle(core, _ctx, req) {
      const status = await core.pairing.getStatus({ pairingId: req.pairingId?.ulid ?? '', deviceId: req.deviceId?.ulid ?? '', identitySignature: req.identitySignature });
      return {
        v: 1,
        pairingId: id(status.pairingId),
        status: PAIRING_STATUS[status.status],
        reason: status.reason,
        certificatePem: status.certificatePem ?? '',
        caChainPem: status.caChainPem,
        certExpiresAtUnixMs: status.certNotAfterMs ?? 0,
        certFingerprintSha256: status.certFingerprint ?? '',
      };
    },
  }),
  [`${METHOD_PREFIX}RegisterNode`]: unary({
    needsCertificate: true,
    request: RegisterNodeRequest,
    response: RegisterNodeResponse,
    async handle(core, ctx, req) {
      const node = nodeCtx(ctx);
      requireSameDevice(node, req.deviceId?.ulid);
      const result = await core.devices.register(node, {
        platform: req.platform,
        capabilities: req.capabilities.map((c) => ({ name: c.name, available: c.available })),
        ...(req.nodeVersion ? { nodeVersion: req.nodeVersion } : {}),
      });
      return { v: 1, deviceId: id(node.deviceId), accepted: result.accepted, reason: result.reason, heartbeatIntervalMs: result.heartbeatIntervalMs, channelHeartbeats: true };
    },
  }),
  [`${METHOD_PREFIX}Heartbeat`]: unary({
    needsCertificate: true,
    request: HeartbeatRequest,
    response: HeartbeatResponse,
    handle(core, ctx, req) {
      return answerHeartbeat(core, nodeCtx(ctx), req);
    },
  }),
  [`${METHOD_PREFIX}RenewCertificate`]: unary({
    needsCertificate: true,
    request: RenewCertificateRequest,
    response: RenewCertificateResponse,
    async handle(core, ctx, req) {
      const node = nodeCtx(ctx);
      requireSameDevice(node, req.deviceId?.ulid);
      const cert = await core.devices.renewCertificate(node, { publicKeySpkiDer: req.publicKeySpkiDer, ...(req.csrDer.length > 0 ? { csrDer: req.csrDer } : {}) });
      return { v: 1, certificatePem: cert.certificatePem, caChainPem: cert.caChainPem, certExpiresAtUnixMs: cert.notAfterMs, certFingerprintSha256: cert.fingerprint };
    },
  }),
};
