// palyra.auth.v1.AuthService: session tokens exchanged from another credential, WhoAmI, scoped API tokens.
import type { AuthServiceServer } from '../../../gen/palyra/auth/v1/auth.js';
import { type HandlerDeps, unary } from '../handler.js';
import { apiTokenToProto, CREDENTIAL_KINDS, sessionTokenToProto } from '../convert/auth.js';
import { checkVersion, optionalId, PROTOCOL_MAJOR, requiredId, toCanonicalId } from '../convert/ids.js';

const v = PROTOCOL_MAJOR;

export function authService(deps: HandlerDeps): AuthServiceServer {
  const { core } = deps;
  const route = (method: string) => `AuthService/${method}`;
  return {
    exchangeToken: unary(deps, route('ExchangeToken'), async (request, ctx) => {
      checkVersion(request.v);
      const issued = await core.tokens.exchange(ctx, { scopes: request.scopes, ttlSeconds: request.ttlSeconds });
      return {
        v,
        sessionToken: issued.token,
        expiresAtUnixMs: issued.record.expiresAtMs ?? 0,
        principal: issued.record.principal,
        scopes: [...issued.record.scopes],
        tokenId: toCanonicalId(issued.record.tokenId),
      };
    }),

    whoAmI: unary(deps, route('WhoAmI'), (request, ctx) => {
      checkVersion(request.v);
      return {
        v,
        principal: ctx.principal,
        deviceId: toCanonicalId(ctx.deviceId),
        channel: ctx.channel ?? '',
        scopes: [...ctx.scopes],
        credentialKind: CREDENTIAL_KINDS[ctx.credential],
        tokenId: toCanonicalId(ctx.credentialId),
        expiresAtUnixMs: ctx.expiresAtMs ?? 0,
      };
    }),

    revokeToken: unary(deps, route('RevokeToken'), async (request, ctx) => {
      checkVersion(request.v);
      const result = await core.tokens.revokeSessionToken(ctx, optionalId(request.tokenId, 'token_id'));
      return { v, tokenId: toCanonicalId(result.tokenId), revoked: result.revoked };
    }),

    listSessionTokens: unary(deps, route('ListSessionTokens'), (request, ctx) => {
      checkVersion(request.v);
      const page = core.tokens.listSessionTokens(ctx, {
        ...(request.principal ? { principal: request.principal } : {}),
        ...(request.afterTokenId ? { afterTokenId: request.afterTokenId } : {}),
        limit: request.limit || 100,
      });
      return { v, tokens: page.tokens.map(sessionTokenToProto), nextAfterTokenId: page.nextAfterTokenId ?? '' };
    }),

    createApiToken: unary(deps, route('CreateApiToken'), async (request, ctx) => {
      checkVersion(request.v);
      const issued = await core.tokens.createApiToken(ctx, {
        name: request.name,
        principal: request.principal || ctx.principal,
        scopes: request.scopes,
        ttlSeconds: request.ttlSeconds,
      });
      return { v, token: issued.token, info: apiTokenToProto(issued.record) };
    }),

    listApiTokens: unary(deps, route('ListApiTokens'), (request, ctx) => {
      checkVersion(request.v);
      const limit = request.limit > 0 ? Math.min(request.limit, 500) : 100;
      const rows = core.tokens.listApiTokens(ctx, {
        includeRevoked: request.includeRevoked,
        ...(request.afterTokenId ? { afterTokenId: request.afterTokenId } : {}),
        limit,
      });
      return { v, tokens: rows.map(apiTokenToProto), nextAfterTokenId: rows.length === limit ? (rows.at(-1)?.tokenId ?? '') : '' };
    }),

    revokeApiToken: unary(deps, route('RevokeApiToken'), async (request, ctx) => {
      checkVersion(request.v);
      const tokenId = requiredId(request.tokenId, 'token_id');
      const result = await core.tokens.revokeApiToken(ctx, tokenId);
      const record = core.tokens.getApiToken(ctx, tokenId);
      return { v, info: apiTokenToProto(record), revoked: result.revoked };
    }),
  };
}

