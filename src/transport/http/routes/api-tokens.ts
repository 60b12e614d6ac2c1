// /admin/v1/api-tokens and /console/v1/api-tokens: mint (the token is shown once), list and revoke scoped API tokens.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Core } from '../../../core/index.js';
import { IdParams, responses } from '../schemas/common.js';
import { CreatedTokenWire, CreateTokenBody, ListTokensQuery, TokenWire, tokenToWire } from '../schemas/tokens.js';

/** The token routes, shared by /admin/v1 and /console/v1 (the credential differs, the rules do not). */
export async function apiTokenRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/api-tokens', { schema: { body: CreateTokenBody, response: responses(201, CreatedTokenWire) }, config: { action: 'tokens.write' } }, async (request, reply) => {
    const body = request.body;
    const issued = await core.tokens.createApiToken(request.ctx, {
      name: body.name,
      principal: body.principal,
      scopes: body.scopes,
      ...(body.ttl_seconds !== undefined ? { ttlSeconds: body.ttl_seconds } : {}),
    });
    return reply.code(201).send({ token: issued.token, ...tokenToWire(issued.record) });
  });

  app.get('/api-tokens', { schema: { querystring: ListTokensQuery, response: responses(200, Type.Object({ tokens: Type.Array(TokenWire) })) }, config: { action: 'tokens.read' } }, async (request) => {
    const query = request.query;
    const records = core.tokens.listApiTokens(request.ctx, {
      ...(query.include_revoked !== undefined ? { includeRevoked: query.include_revoked } : {}),
      ...(query.after_token_id ? { afterTokenId: query.after_token_id } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return { tokens: records.map(tokenToWire) };
  });

  app.post(
    '/api-tokens/:id/revoke',
    { schema: { params: IdParams, response: responses(200, Type.Object({ token_id: Type.String(), revoked: Type.Boolean() })) }, config: { action: 'tokens.write' } },
    async (request) => {
      const result = await core.tokens.revokeApiToken(request.ctx, request.params.id);
      return { token_id: request.params.id, revoked: result.revoked };
    },
  );
}
