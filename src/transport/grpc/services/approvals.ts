// palyra.gateway.v1.ApprovalsService: list, read and decide approvals (a decision resumes the waiting run).
import { CoreError } from '../../../core/errors.js';
import { ApprovalDecision, ApprovalSubjectType, type ApprovalsServiceServer } from '../../../gen/palyra/gateway/v1/gateway.js';
import { type HandlerDeps, unary } from '../handler.js';
import { approvalToProto, decisionFromProto, scopeFromProto, subjectTypeFromProto } from '../convert/approvals.js';
import { checkVersion, PROTOCOL_MAJOR, requiredId } from '../convert/ids.js';

const v = PROTOCOL_MAJOR;

export function approvalsService(deps: HandlerDeps): ApprovalsServiceServer {
  const { core } = deps;
  const route = (method: string) => `ApprovalsService/${method}`;
  return {
    listApprovals: unary(deps, route('ListApprovals'), (request, ctx) => {
      checkVersion(request.v);
      if (request.sinceUnixMs > 0 && request.untilUnixMs > 0 && request.sinceUnixMs > request.untilUnixMs) {
        throw new CoreError('invalid_argument', 'since_unix_ms must not be after until_unix_ms');
      }
      const page = core.approvals.list(ctx, {
        pendingOnly: request.pendingOnly,
        ...(request.afterApprovalUlid ? { afterApprovalId: request.afterApprovalUlid } : {}),
        limit: request.limit,
      });
      // The remaining filters narrow the page; the cursor still walks every approval the caller may see.
      const decision = request.decision === ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED ? undefined : decisionFromProto(request.decision);
      const subjectType = request.subjectType === ApprovalSubjectType.APPROVAL_SUBJECT_TYPE_UNSPECIFIED ? undefined : subjectTypeFromProto(request.subjectType);
      const approvals = page.approvals.filter(
        (record) =>
          (request.sinceUnixMs <= 0 || record.requestedAtMs >= request.sinceUnixMs) &&
          (request.untilUnixMs <= 0 || record.requestedAtMs <= request.untilUnixMs) &&
          (request.subjectId === '' || record.subjectId === request.subjectId) &&
          (request.principal === '' || record.principal === request.principal) &&
          (request.decision === ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED || record.decision === decision) &&
          (request.subjectType === ApprovalSubjectType.APPROVAL_SUBJECT_TYPE_UNSPECIFIED || record.subjectType === subjectType),
      );
      return { v, approvals: approvals.map(approvalToProto), nextAfterApprovalUlid: page.nextAfterApprovalId ?? '' };
    }),

    getApproval: unary(deps, route('GetApproval'), (request, ctx) => {
      checkVersion(request.v);
      return { v, approval: approvalToProto(core.approvals.get(ctx, requiredId(request.approvalId, 'approval_id'))) };
    }),

    decideApproval: unary(deps, route('DecideApproval'), async (request, ctx) => {
      checkVersion(request.v);
      const approvalId = requiredId(request.approvalId, 'approval_id');
      await core.approvals.decide(ctx, approvalId, {
        approved: request.approved,
        ...(request.reason ? { reason: request.reason } : {}),
        scope: scopeFromProto(request.decisionScope),
        ...(request.decisionScopeTtlMs !== 0 ? { ttlMs: request.decisionScopeTtlMs } : {}),
      });
      return { v, approval: approvalToProto(core.approvals.get(ctx, approvalId)) };
    }),
  };
}
