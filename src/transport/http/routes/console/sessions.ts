// /console/v1/sessions: list the caller's chat sessions, resolve-or-create one, archive one.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../../../core/index.js';
import { IdParams, responses } from '../../schemas/common.js';
import { ArchivedSessionWire, ListSessionsQuery, ResolvedSessionWire, ResolveSessionBody, SessionListResponse, sessionToWire } from '../../schemas/sessions.js';

export async function consoleSessionRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/sessions', { schema: { querystring: ListSessionsQuery, response: responses(200, SessionListResponse) }, config: { action: 'sessions.read' } }, async (request) => {
    const query = request.query;
    const page = core.sessions.list(request.ctx, {
      ...(query.after_session_id ? { afterSessionId: query.after_session_id } : {}),
      ...(query.include_archived !== undefined ? { includeArchived: query.include_archived } : {}),
      ...(query.q ? { query: query.q } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return { sessions: page.sessions.map(sessionToWire), next_after_session_id: page.nextAfterSessionId };
  });

  app.post('/sessions', { schema: { body: ResolveSessionBody, response: { ...responses(200, ResolvedSessionWire), 201: ResolvedSessionWire } }, config: { action: 'sessions.write' } }, async (request, reply) => {
    const body = request.body ?? {};
    const result = await core.sessions.resolve(request.ctx, {
      ...(body.session_id ? { sessionId: body.session_id } : {}),
      ...(body.session_key ? { sessionKey: body.session_key } : {}),
      ...(body.session_label !== undefined ? { label: body.session_label } : {}),
      ...(body.require_existing ? { requireExisting: true } : {}),
    });
    return reply.code(result.created ? 201 : 200).send({ session: sessionToWire(result.session), created: result.created });
  });

  app.post('/sessions/:id/archive', { schema: { params: IdParams, response: responses(200, ArchivedSessionWire) }, config: { action: 'sessions.write' } }, async (request) => {
    const result = await core.sessions.cleanup(request.ctx, request.params.id);
    return { session: sessionToWire(result.session), newly_archived: result.newlyArchived, previous_session_key: result.previousSessionKey, run_count: result.runCount };
  });
}
