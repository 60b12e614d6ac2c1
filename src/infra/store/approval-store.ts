// SQLite implementation of the ApprovalStore port.
import type { ApprovalListFilter, ApprovalRecord, ApprovalResolution, ApprovalStore } from '../../core/approvals/store.js';
import type { Db } from './db.js';
import { statementCache } from './statement-cache.js';

interface ApprovalRow {
  approval_id: string;
  run_id: string;
  session_id: string;
  proposal_id: string;
  principal: string;
  device_id: string;
  channel: string | null;
  subject_type: ApprovalRecord['subjectType'];
  subject_id: string;
  tool_name: string;
  input_json: string;
  request_summary: string;
  requested_at_ms: number;
  expires_at_ms: number;
  decision: ApprovalRecord['decision'];
  decision_scope: ApprovalRecord['decisionScope'];
  decision_scope_ttl_ms: number | null;
  decision_reason: string | null;
  decided_by: string | null;
  resolved_at_ms: number | null;
}

export function createApprovalStore(db: Db): ApprovalStore {
  const insert = db.prepare(`INSERT INTO approvals (approval_id, run_id, session_id, proposal_id, principal, device_id, channel, subject_type,
      subject_id, tool_name, input_json, request_summary, requested_at_ms, expires_at_ms)
    VALUES (@approvalId, @runId, @sessionId, @proposalId, @principal, @deviceId, @channel, @subjectType,
      @subjectId, @toolName, @inputJson, @requestSummary, @requestedAtMs, @expiresAtMs)`);
  // `decision IS NULL` makes the first answer win even when two clients answer at once.
  const resolve = db.prepare(`UPDATE approvals SET decision = @decision, decision_scope = @decisionScope, decision_scope_ttl_ms = @decisionScopeTtlMs,
      decision_reason = @decisionReason, decided_by = @decidedBy, resolved_at_ms = @resolvedAtMs
    WHERE approval_id = @approvalId AND decision IS NULL`);
  const byId = db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE approval_id = ?');
  const prepare = statementCache(db);
  const pending = db.prepare<[], ApprovalRow>('SELECT * FROM approvals WHERE decision IS NULL ORDER BY approval_id');

  return {
    insertApproval: (record) => void insert.run(record),
    resolveApproval: (approvalId, resolution: ApprovalResolution) => resolve.run({ approvalId, ...resolution }).changes === 1,
    getApproval: (approvalId) => mapRow(byId.get(approvalId)),
    listApprovals: (filter: ApprovalListFilter) => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      if (filter.owner) {
        where.push('principal = @principal AND device_id = @deviceId AND channel IS @channel');
        Object.assign(params, filter.owner);
      }
      if (filter.runId) {
        where.push('run_id = @runId');
        params.runId = filter.runId;
      }
      if (filter.afterApprovalId) {
        where.push('approval_id > @after');
        params.after = filter.afterApprovalId;
      }
      if (filter.pendingOnly) where.push('decision IS NULL');
      const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY approval_id LIMIT @limit`;
      return prepare<Record<string, unknown>, ApprovalRow>(sql).all(params).map((row) => mapRow(row) as ApprovalRecord);
    },
    listPendingApprovals: () => pending.all().map((row) => mapRow(row) as ApprovalRecord),
  };
}

function mapRow(row: ApprovalRow | undefined): ApprovalRecord | undefined {
  if (!row) return undefined;
  return {
    approvalId: row.approval_id,
    runId: row.run_id,
    sessionId: row.session_id,
    proposalId: row.proposal_id,
    principal: row.principal,
    deviceId: row.device_id,
    channel: row.channel,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    toolName: row.tool_name,
    inputJson: row.input_json,
    requestSummary: row.request_summary,
    requestedAtMs: row.requested_at_ms,
    expiresAtMs: row.expires_at_ms,
    decision: row.decision,
    decisionScope: row.decision_scope,
    decisionScopeTtlMs: row.decision_scope_ttl_ms,
    decisionReason: row.decision_reason,
    decidedBy: row.decided_by,
    resolvedAtMs: row.resolved_at_ms,
  };
}
