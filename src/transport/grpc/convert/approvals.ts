// Approvals between proto and core: records, decisions, scopes, subject types.
import type { ApprovalDecision as CoreDecision, ApprovalRecord as CoreApproval, DecisionScope } from '../../../core/approvals/store.js';
import { ApprovalDecisionScope } from '../../../gen/palyra/common/v1/common.js';
import { ApprovalDecision, type ApprovalRecord, ApprovalSubjectType } from '../../../gen/palyra/gateway/v1/gateway.js';
import { toCanonicalId } from './ids.js';

const SCOPES = {
  once: ApprovalDecisionScope.APPROVAL_DECISION_SCOPE_ONCE,
  session: ApprovalDecisionScope.APPROVAL_DECISION_SCOPE_SESSION,
  timeboxed: ApprovalDecisionScope.APPROVAL_DECISION_SCOPE_TIMEBOXED,
} as const satisfies Record<DecisionScope, ApprovalDecisionScope>;

export const DECISIONS = {
  allow: ApprovalDecision.APPROVAL_DECISION_ALLOW,
  deny: ApprovalDecision.APPROVAL_DECISION_DENY,
  timeout: ApprovalDecision.APPROVAL_DECISION_TIMEOUT,
  error: ApprovalDecision.APPROVAL_DECISION_ERROR,
} as const satisfies Record<CoreDecision, ApprovalDecision>;

const SUBJECT_TYPES = {
  tool: ApprovalSubjectType.APPROVAL_SUBJECT_TYPE_TOOL,
  node_capability: ApprovalSubjectType.APPROVAL_SUBJECT_TYPE_NODE_CAPABILITY,
  browser_action: ApprovalSubjectType.APPROVAL_SUBJECT_TYPE_BROWSER_ACTION,
} as const satisfies Record<CoreApproval['subjectType'], ApprovalSubjectType>;

export function scopeToProto(scope: string): ApprovalDecisionScope {
  return SCOPES[scope as DecisionScope] ?? ApprovalDecisionScope.APPROVAL_DECISION_SCOPE_UNSPECIFIED;
}

/** UNSPECIFIED (and anything unknown) is ONCE. */
export function scopeFromProto(scope: ApprovalDecisionScope): DecisionScope {
  if (scope === ApprovalDecisionScope.APPROVAL_DECISION_SCOPE_SESSION) return 'session';
  if (scope === ApprovalDecisionScope.APPROVAL_DECISION_SCOPE_TIMEBOXED) return 'timeboxed';
  return 'once';
}

export function approvalToProto(record: CoreApproval): ApprovalRecord {
  return {
    approvalId: toCanonicalId(record.approvalId),
    sessionId: toCanonicalId(record.sessionId),
    runId: toCanonicalId(record.runId),
    principal: record.principal,
    deviceId: toCanonicalId(record.deviceId),
    channel: record.channel ?? '',
    requestedAtUnixMs: record.requestedAtMs,
    resolvedAtUnixMs: record.resolvedAtMs ?? 0,
    subjectType: SUBJECT_TYPES[record.subjectType],
    subjectId: record.subjectId,
    requestSummary: record.requestSummary,
    decision: record.decision ? DECISIONS[record.decision] : ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED,
    decisionScope: record.decisionScope ? SCOPES[record.decisionScope] : ApprovalDecisionScope.APPROVAL_DECISION_SCOPE_UNSPECIFIED,
    prompt: undefined,
    decisionReason: record.decisionReason ?? '',
    decisionScopeTtlMs: record.decisionScopeTtlMs ?? 0,
    proposalId: toCanonicalId(record.proposalId),
    toolName: record.toolName,
    expiresAtUnixMs: record.expiresAtMs,
    decidedBy: record.decidedBy && !record.decidedBy.startsWith('system:') ? record.decidedBy : '',
  };
}

/** The core decision behind a proto filter value; undefined for UNSPECIFIED. */
export function decisionFromProto(decision: ApprovalDecision): CoreDecision | undefined {
  return (Object.entries(DECISIONS) as [CoreDecision, ApprovalDecision][]).find(([, value]) => value === decision)?.[0];
}

export function subjectTypeFromProto(type: ApprovalSubjectType): CoreApproval['subjectType'] | undefined {
  return (Object.entries(SUBJECT_TYPES) as [CoreApproval['subjectType'], ApprovalSubjectType][]).find(([, value]) => value === type)?.[0];
}
