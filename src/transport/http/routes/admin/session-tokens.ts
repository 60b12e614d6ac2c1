// /admin/v1/session-tokens: list live session tokens (metadata only) and revoke one by id.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../../../core/index.js';
import { IdParams } from '../../schemas/common.js';
import { ListSessionTokensQuery, sessionTokenToWire } from '../../schemas/tokens.js';

export async function adminSessionTokenRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/session-tokens', { schema: { querystring: ListSessionTokensQuery }, config: { action: 'tokens.read' } }, async (request) => {
    const query = request.query;
    const page = core.tokens.listSessionTokens(request.ctx, {
      ...(query.principal ? { principal: query.principal } : {}),
      ...(query.after_token_id ? { afterTokenId: query.after_token_id } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return { tokens: page.tokens.map(sessionTokenToWire), next_after_token_id: page.nextAfterTokenId };
  });

  app.post('/session-tokens/:id/revoke', { schema: { params: IdParams }, config: { action: 'tokens.write' } }, async (request) => {
    const result = await core.tokens.revokeSessionToken(request.ctx, request.params.id);
    return { token_id: result.tokenId, revoked: result.revoked };
  });
}
