// Port: approval storage. Implemented in infra/store/approval-store.ts.

export type ApprovalDecision = 'allow' | 'deny' | 'timeout' | 'error';
export type DecisionScope = 'once' | 'session' | 'timeboxed';

export interface ApprovalRecord {
  approvalId: string;
  runId: string;
  sessionId: string;
  proposalId: string;
  principal: string;
  deviceId: string;
  channel: string | null;
  subjectType: 'tool' | 'node_capability' | 'browser_action';
  subjectId: string;
  toolName: string;
  inputJson: string;
  requestSummary: string;
  requestedAtMs: number;
  expiresAtMs: number;
  decision: ApprovalDecision | null;
  decisionScope: DecisionScope | null;
  decisionScopeTtlMs: number | null;
  decisionReason: string | null;
  decidedBy: string | null;
  resolvedAtMs: number | null;
}

export interface ApprovalResolution {
  decision: ApprovalDecision;
  decisionScope: DecisionScope;
  decisionScopeTtlMs: number | null;
  decisionReason: string;
  decidedBy: string;
  resolvedAtMs: number;
}

export interface ApprovalListFilter {
  /** Owner triple; undefined lists every owner's approvals (admin). */
  owner?: { principal: string; deviceId: string; channel: string | null };
  runId?: string;
  pendingOnly: boolean;
  afterApprovalId?: string;
  limit: number;
}

export interface ApprovalStore {
  insertApproval(record: ApprovalRecord): void;
  /** Resolves a pending approval; returns false when it was already resolved. */
  resolveApproval(approvalId: string, resolution: ApprovalResolution): boolean;
  getApproval(approvalId: string): ApprovalRecord | undefined;
  listApprovals(filter: ApprovalListFilter): ApprovalRecord[];
  listPendingApprovals(): ApprovalRecord[];
}
