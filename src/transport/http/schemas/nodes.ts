// Wire shapes of pairing codes and requests, nodes and node tasks (admin and console).
import Type, { type Static } from 'typebox';
import type { CreatedPairingCode, PairingRequestView } from '../../../core/devices/pairing.js';
import type { TaskResult } from '../../../core/nodes/task-queue.js';
import type { NodeView, TaskView } from '../../../core/nodes/task-views.js';
import { limit, nullable, Ulid } from './common.js';

export const PAIRING_STATES = ['pending', 'approved', 'rejected', 'completed', 'expired'] as const;

export const CreatePairingCodeBody = Type.Object(
  {
    /** 0/absent means 10 minutes; the core clamps it to [30 s, 24 h]. */
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 0 })),
    auto_approve: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ListPairingRequestsQuery = Type.Object(
  { state: Type.Optional(Type.Enum([...PAIRING_STATES])), after_pairing_id: Type.Optional(Ulid), limit: limit(500, 100) },
  { additionalProperties: false },
);

export const ReasonBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false });

export const ListNodesQuery = Type.Object(
  { after_device_id: Type.Optional(Ulid), include_revoked: Type.Optional(Type.Boolean()), limit: limit(500, 100) },
  { additionalProperties: false },
);

export const InvokeBody = Type.Object(
  {
    capability: Type.String({ minLength: 1, maxLength: 128 }),
    /** Any JSON value; absent means null. */
    input: Type.Optional(Type.Unknown()),
    /** 0/absent means 30 s; the core clamps it to [1 s, 120 s]. */
    timeout_ms: Type.Optional(Type.Integer({ minimum: 0 })),
    max_output_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const TaskIdParams = Type.Object({ task_id: Ulid }, { additionalProperties: false });

export const PairingCodeWire = Type.Object({
  code_id: Type.String(),
  join_string: Type.String(),
  expires_at_unix_ms: Type.Integer(),
  ca_fingerprint: Type.String(),
  auto_approve: Type.Boolean(),
});

export const PairingRequestWire = Type.Object({
  pairing_id: Type.String(),
  code_id: Type.String(),
  device_id: Type.String(),
  client_kind: Type.String(),
  display_name: nullable(Type.String()),
  identity_fingerprint: Type.String(),
  key_fingerprint: Type.String(),
  transcript_sha256: Type.String(),
  peer: nullable(Type.String()),
  state: Type.Enum([...PAIRING_STATES]),
  requested_at_unix_ms: Type.Integer(),
  expires_at_unix_ms: Type.Integer(),
  decided_by: nullable(Type.String()),
  decided_at_unix_ms: nullable(Type.Integer()),
  reason: nullable(Type.String()),
  cert_fingerprint: nullable(Type.String()),
  cert_expires_at_unix_ms: nullable(Type.Integer()),
});

export const PairingRequestListWire = Type.Object({ requests: Type.Array(PairingRequestWire), next_after_pairing_id: nullable(Type.String()) });

export const NodeWire = Type.Object({
  device_id: Type.String(),
  principal: Type.String(),
  display_name: nullable(Type.String()),
  client_kind: Type.String(),
  status: Type.String(),
  platform: nullable(Type.String()),
  capabilities: Type.Array(Type.Object({ name: Type.String(), available: Type.Boolean() })),
  node_version: nullable(Type.String()),
  paired_at_unix_ms: Type.Integer(),
  registered_at_unix_ms: nullable(Type.Integer()),
  last_seen_at_unix_ms: nullable(Type.Integer()),
  online: Type.Boolean(),
  connected: Type.Boolean(),
  identity_fingerprint: Type.String(),
  cert_fingerprint: Type.String(),
  cert_expires_at_unix_ms: Type.Integer(),
  revoked_at_unix_ms: nullable(Type.Integer()),
  revoke_reason: nullable(Type.String()),
  queued_tasks: Type.Integer(),
  running_tasks: Type.Integer(),
});

export const NodeListWire = Type.Object({ nodes: Type.Array(NodeWire), next_after_device_id: nullable(Type.String()) });

export const TaskResultWire = Type.Object({ task_id: Type.String(), success: Type.Boolean(), output: Type.Unknown(), error: nullable(Type.String()) });

export const RevokedNodeWire = Type.Object({ device_id: Type.String(), revoked: Type.Boolean(), closed_connections: Type.Integer() });

export function pairingCodeToWire(code: CreatedPairingCode): Static<typeof PairingCodeWire> {
  return {
    code_id: code.codeId,
    join_string: code.joinString,
    expires_at_unix_ms: code.expiresAtMs,
    ca_fingerprint: code.caFingerprint,
    auto_approve: code.autoApprove,
  };
}

export function pairingRequestToWire(view: PairingRequestView): Static<typeof PairingRequestWire> {
  return {
    pairing_id: view.pairingId,
    code_id: view.codeId,
    device_id: view.deviceId,
    client_kind: view.clientKind,
    display_name: view.displayName,
    identity_fingerprint: view.identityFingerprint,
    key_fingerprint: view.keyFingerprint,
    transcript_sha256: view.transcriptSha256,
    peer: view.peer,
    state: view.state,
    requested_at_unix_ms: view.requestedAtMs,
    expires_at_unix_ms: view.expiresAtMs,
    decided_by: view.decidedBy,
    decided_at_unix_ms: view.decidedAtMs,
    reason: view.reason,
    cert_fingerprint: view.certFingerprint,
    cert_expires_at_unix_ms: view.certNotAfterMs,
  };
}

export function nodeToWire(node: NodeView): Static<typeof NodeWire> {
  return {
    device_id: node.deviceId,
    principal: node.principal,
    display_name: node.displayName,
    client_kind: node.clientKind,
    status: node.status,
    platform: node.platform,
    capabilities: node.capabilities.map((capability) => ({ name: capability.name, available: capability.available })),
    node_version: node.nodeVersion,
    paired_at_unix_ms: node.pairedAtMs,
    registered_at_unix_ms: node.registeredAtMs,
    last_seen_at_unix_ms: node.lastSeenMs,
    online: node.online,
    connected: node.connected,
    identity_fingerprint: node.identityFingerprint,
    cert_fingerprint: node.certFingerprint,
    cert_expires_at_unix_ms: node.certNotAfterMs,
    revoked_at_unix_ms: node.revokedAtMs,
    revoke_reason: node.revokeReason,
    queued_tasks: node.queuedTasks,
    running_tasks: node.runningTasks,
  };
}

export function taskResultToWire(result: TaskResult): Static<typeof TaskResultWire> {
  return { task_id: result.taskId, success: result.success, output: result.output, error: result.error };
}

export function taskToWire(task: TaskView) {
  return {
    task_id: task.taskId,
    device_id: task.deviceId,
    capability: task.capability,
    state: task.state,
    attempt: task.attempt,
    created_at_unix_ms: task.createdAtMs,
    deadline_unix_ms: task.deadlineMs,
    delivered_at_unix_ms: task.deliveredAtMs,
    finished_at_unix_ms: task.finishedAtMs,
    progress_stage: task.progressStage,
    success: task.success,
    output: task.outputJson === null ? null : (JSON.parse(task.outputJson) as unknown),
    error: task.error,
    requested_by: task.requestedBy,
    run_id: task.runId,
    session_id: task.sessionId,
  };
}
