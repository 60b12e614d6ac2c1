// Pairing requests, nodes and task results between proto (palyra.node.v1) and core values.
import type { PairingRequestView } from '../../../core/devices/pairing.js';
import type { ClientKind as CoreClientKind } from '../../../core/devices/pairing-transcript.js';
import type { PairingState } from '../../../core/devices/store.js';
import { CoreError } from '../../../core/errors.js';
import type { TaskResult } from '../../../core/nodes/task-queue.js';
import type { NodeView } from '../../../core/nodes/task-views.js';
import { ClientKind, type InvokeNodeResponse, type NodeSummary, type PairingRequestSummary, PairingStatus } from '../../../gen/palyra/node/v1/node.js';
import { PROTOCOL_MAJOR, toCanonicalId } from './ids.js';

const PAIRING_STATUSES = {
  pending: PairingStatus.PAIRING_STATUS_PENDING_APPROVAL,
  approved: PairingStatus.PAIRING_STATUS_APPROVED,
  rejected: PairingStatus.PAIRING_STATUS_REJECTED,
  completed: PairingStatus.PAIRING_STATUS_COMPLETED,
  expired: PairingStatus.PAIRING_STATUS_EXPIRED,
} as const satisfies Record<PairingState, PairingStatus>;

const CLIENT_KINDS = {
  cli: ClientKind.CLIENT_KIND_CLI,
  desktop: ClientKind.CLIENT_KIND_DESKTOP,
  node: ClientKind.CLIENT_KIND_NODE,
} as const satisfies Record<CoreClientKind, ClientKind>;

/** The page size of the list methods when a request says 0 (the core refuses more than 500). */
export const DEFAULT_PAGE = 100;

export function pairingStatusToProto(state: PairingState): PairingStatus {
  return PAIRING_STATUSES[state];
}

/** UNSPECIFIED means every state. @throws `invalid_argument` for a value outside the enum. */
export function pairingStateFromProto(status: PairingStatus): PairingState | undefined {
  if (status === PairingStatus.PAIRING_STATUS_UNSPECIFIED) return undefined;
  const found = (Object.entries(PAIRING_STATUSES) as Array<[PairingState, PairingStatus]>).find(([, value]) => value === status);
  if (!found) throw new CoreError('invalid_argument', `status ${status} is not a pairing status`);
  return found[0];
}

/** 0 means the default. */
export function pageLimit(limit: number): number {
  return limit === 0 ? DEFAULT_PAGE : limit;
}

/** The cursor of the next page: the last id when the page is full, empty on the last page. */
export function nextCursor<T>(items: readonly T[], limit: number, idOf: (item: T) => string): string {
  const last = items.at(-1);
  return items.length === limit && last !== undefined ? idOf(last) : '';
}

export function pairingRequestToProto(view: PairingRequestView): PairingRequestSummary {
  return {
    pairingId: toCanonicalId(view.pairingId),
    deviceId: toCanonicalId(view.deviceId),
    codeId: view.codeId,
    clientKind: CLIENT_KINDS[view.clientKind],
    displayName: view.displayName,
    identityFingerprintSha256: view.identityFingerprint,
    keyFingerprintSha256: view.keyFingerprint,
    transcriptSha256: view.transcriptSha256,
    peer: view.peer,
    status: pairingStatusToProto(view.state),
    requestedAtUnixMs: view.requestedAtMs,
    expiresAtUnixMs: view.expiresAtMs,
    decidedBy: view.decidedBy ?? '',
    reason: view.reason ?? '',
    certFingerprintSha256: view.certFingerprint ?? '',
    certExpiresAtUnixMs: view.certNotAfterMs ?? 0,
  };
}

export function nodeToProto(node: NodeView): NodeSummary {
  return {
    deviceId: toCanonicalId(node.deviceId),
    displayName: node.displayName,
    platform: node.platform ?? '',
    capabilities: node.capabilities.map((capability) => ({ name: capability.name, available: capability.available })),
    registeredAtUnixMs: node.registeredAtMs ?? 0,
    lastSeenAtUnixMs: node.lastSeenMs ?? 0,
    online: node.online,
    connected: node.connected,
    certExpiresAtUnixMs: node.certNotAfterMs,
    queuedTasks: node.queuedTasks,
    revoked: node.status === 'revoked',
    identityFingerprintSha256: node.identityFingerprint,
    runningTasks: node.runningTasks,
  };
}

export function taskResultToProto(result: TaskResult): InvokeNodeResponse {
  return {
    v: PROTOCOL_MAJOR,
    taskId: toCanonicalId(result.taskId),
    success: result.success,
    outputJson: Buffer.from(result.outputJson),
    error: result.error,
  };
}
