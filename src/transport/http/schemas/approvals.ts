// Wire shapes of approvals and decisions (admin and console).
import Type, { type Static } from 'typebox';
import type { ApprovalRecord } from '../../../core/approvals/store.js';
import type { ResolvedApproval } from '../../../core/approvals/approvals.js';
import { limit, nullable, Ulid } from './common.js';

export const ListApprovalsQuery = Type.Object(
  { pending: Type.Optional(Type.Boolean()), run_id: Type.Optional(Ulid), after_approval_id: Type.Optional(Ulid), limit: limit(500, 100) },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  {
    approved: Type.Boolean(),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    decision_scope: Type.Optional(Type.Enum(['once', 'session', 'timeboxed'])),
    decision_scope_ttl_ms: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const ApprovalWire = Type.Object({
  approval_id: Type.String(),
  run_id: Type.String(),
  session_id: Type.String(),
  proposal_id: Type.String(),
  principal: Type.String(),
  device_id: Type.String(),
  channel: nullable(Type.String()),
  subject_type: Type.String(),
  subject_id: Type.String(),
  tool_name: Type.String(),
  input_json: Type.String(),
  request_summary: Type.String(),
  requested_at_unix_ms: Type.Integer(),
  expires_at_unix_ms: Type.Integer(),
  decision: nullable(Type.String()),
  decision_scope: nullable(Type.String()),
  decision_scope_ttl_ms: nullable(Type.Integer()),
  decision_reason: nullable(Type.String()),
  decided_by: nullable(Type.String()),
  resolved_at_unix_ms: nullable(Type.Integer()),
});

export const ApprovalListWire = Type.Object({ approvals: Type.Array(ApprovalWire), next_after_approval_id: nullable(Type.String()) });

export const ResolvedWire = Type.Object({
  approval_id: Type.String(),
  approved: Type.Boolean(),
  decision: Type.String(),
  decision_scope: Type.String(),
  decision_scope_ttl_ms: nullable(Type.Integer()),
  reason: Type.String(),
});

export function approvalToWire(record: ApprovalRecord): Static<typeof ApprovalWire> {
  return {
    approval_id: record.approvalId,
    run_id: record.runId,
    session_id: record.sessionId,
    proposal_id: record.proposalId,
    principal: record.principal,
    device_id: record.deviceId,
    channel: record.channel,
    subject_type: record.subjectType,
    subject_id: record.subjectId,
    tool_name: record.toolName,
    input_json: record.inputJson,
    request_summary: record.requestSummary,
    requested_at_unix_ms: record.requestedAtMs,
    expires_at_unix_ms: record.expiresAtMs,
    decision: record.decision,
    decision_scope: record.decisionScope,
    decision_scope_ttl_ms: record.decisionScopeTtlMs,
    decision_reason: record.decisionReason,
    decided_by: record.decidedBy,
    resolved_at_unix_ms: record.resolvedAtMs,
  };
}

export function resolvedToWire(resolved: ResolvedApproval): Static<typeof ResolvedWire> {
  return {
    approval_id: resolved.approvalId,
    approved: resolved.approved,
    decision: resolved.decision,
    decision_scope: resolved.scope,
    decision_scope_ttl_ms: resolved.ttlMs,
    reason: resolved.reason,
  };
}
