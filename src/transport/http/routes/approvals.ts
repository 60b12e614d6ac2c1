// /admin/v1/approvals and /console/v1/approvals: list, get and decide (the decision reaches the live run wherever it runs).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../../core/index.js';
import Type from 'typebox';
import { ApprovalListWire, ApprovalWire, approvalToWire, DecisionBody, ListApprovalsQuery, ResolvedWire, resolvedToWire } from '../schemas/approvals.js';
import { IdParams, responses } from '../schemas/common.js';

/** The approval routes, shared by /admin/v1 and /console/v1 (the credential differs, the rules do not). */
export async function approvalRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/approvals', { schema: { querystring: ListApprovalsQuery, response: responses(200, ApprovalListWire) }, config: { action: 'approvals.read' } }, async (request) => {
    const query = request.query;
    const page = core.approvals.list(request.ctx, {
      ...(query.pending !== undefined ? { pendingOnly: query.pending } : {}),
      ...(query.run_id ? { runId: query.run_id } : {}),
      ...(query.after_approval_id ? { afterApprovalId: query.after_approval_id } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return { approvals: page.approvals.map(approvalToWire), next_after_approval_id: page.nextAfterApprovalId };
  });

  app.get('/approvals/:id', { schema: { params: IdParams, response: responses(200, Type.Object({ approval: ApprovalWire })) }, config: { action: 'approvals.read' } }, async (request) => ({ approval: approvalToWire(core.approvals.get(request.ctx, request.params.id)) }));

  app.post('/approvals/:id/decision', { schema: { params: IdParams, body: DecisionBody, response: responses(200, ResolvedWire) }, config: { action: 'approvals.decide' } }, async (request) => {
    const body = request.body;
    const resolved = await core.approvals.decide(request.ctx, request.params.id, {
      approved: body.approved,
      ...(body.reason !== undefined ? { reason: body.reason } : {}),
      ...(body.decision_scope ? { scope: body.decision_scope } : {}),
      ...(body.decision_scope_ttl_ms !== undefined ? { ttlMs: body.decision_scope_ttl_ms } : {}),
    });
    return resolvedToWire(resolved);
  });
}
