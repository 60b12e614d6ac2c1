// Wire shapes of API tokens (/admin/v1/api-tokens) and session tokens (/admin/v1/session-tokens).
import Type, { type Static } from 'typebox';
import { ALL_SCOPES } from '../../../core/auth/authorize.js';
import type { CredentialRecord } from '../../../core/auth/store.js';
import { limit, nullable, Ulid } from './common.js';

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    principal: Type.String({ minLength: 3, maxLength: 140 }),
    scopes: Type.Array(Type.Enum(['*', ...ALL_SCOPES]), { minItems: 1, maxItems: 32 }),
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const ListTokensQuery = Type.Object(
  { include_revoked: Type.Optional(Type.Boolean()), after_token_id: Type.Optional(Ulid), limit: limit(500, 100) },
  { additionalProperties: false },
);

export const ListSessionTokensQuery = Type.Object(
  { principal: Type.Optional(Type.String({ minLength: 3, maxLength: 140 })), after_token_id: Type.Optional(Ulid), limit: limit(500, 100) },
  { additionalProperties: false },
);

export const TokenWire = Type.Object({
  token_id: Type.String(),
  name: Type.String(),
  principal: Type.String(),
  scopes: Type.Array(Type.String()),
  created_by: Type.String(),
  created_at_unix_ms: Type.Integer(),
  expires_at_unix_ms: nullable(Type.Integer()),
  revoked_at_unix_ms: nullable(Type.Integer()),
  last_used_at_unix_ms: nullable(Type.Integer()),
});

/** The created token: its secret (shown this once) and its record. */
export const CreatedTokenWire = Type.Intersect([Type.Object({ token: Type.String() }), TokenWire]);

export function tokenToWire(record: CredentialRecord): Static<typeof TokenWire> {
  return {
    token_id: record.tokenId,
    name: record.name,
    principal: record.principal,
    scopes: record.scopes,
    created_by: record.createdBy,
    created_at_unix_ms: record.createdAtMs,
    expires_at_unix_ms: record.expiresAtMs,
    revoked_at_unix_ms: record.revokedAtMs,
    last_used_at_unix_ms: record.lastUsedMs,
  };
}

/** Metadata only: never the secret or its hash. */
export function sessionTokenToWire(record: CredentialRecord) {
  return {
    token_id: record.tokenId,
    principal: record.principal,
    device_id: record.deviceId,
    channel: record.channel,
    scopes: record.scopes,
    created_by: record.createdBy,
    parent_token_id: record.parentId,
    created_at_unix_ms: record.createdAtMs,
    expires_at_unix_ms: record.expiresAtMs,
    last_used_at_unix_ms: record.lastUsedMs,
  };
}
