// Credentials between proto and core: API and session token metadata, credential kinds.
import type { CredentialRecord } from '../../../core/auth/store.js';
import type { CredentialKind as CoreCredentialKind } from '../../../core/context.js';
import { type ApiTokenInfo, CredentialKind, type SessionTokenInfo } from '../../../gen/palyra/auth/v1/auth.js';
import { toCanonicalId } from './ids.js';

export const CREDENTIAL_KINDS = {
  admin_token: CredentialKind.CREDENTIAL_KIND_ADMIN_TOKEN,
  api_token: CredentialKind.CREDENTIAL_KIND_API_TOKEN,
  session_token: CredentialKind.CREDENTIAL_KIND_SESSION_TOKEN,
  console_session: CredentialKind.CREDENTIAL_KIND_CONSOLE_SESSION,
  device_certificate: CredentialKind.CREDENTIAL_KIND_DEVICE_CERTIFICATE,
  internal: CredentialKind.CREDENTIAL_KIND_UNSPECIFIED,
} as const satisfies Record<CoreCredentialKind, CredentialKind>;

/** Metadata only: the secret is never stored, and its hash never leaves the core. */
export function apiTokenToProto(record: CredentialRecord): ApiTokenInfo {
  return {
    tokenId: toCanonicalId(record.tokenId),
    name: record.name,
    principal: record.principal,
    scopes: [...record.scopes],
    createdAtUnixMs: record.createdAtMs,
    expiresAtUnixMs: record.expiresAtMs ?? 0,
    lastUsedAtUnixMs: record.lastUsedMs ?? 0,
    revokedAtUnixMs: record.revokedAtMs ?? 0,
    createdBy: record.createdBy,
    tokenPrefix: `palyra_pat_${record.tokenId}`,
  };
}

/** Metadata only, as for API tokens. */
export function sessionTokenToProto(record: CredentialRecord): SessionTokenInfo {
  return {
    tokenId: toCanonicalId(record.tokenId),
    principal: record.principal,
    deviceId: toCanonicalId(record.deviceId),
    channel: record.channel ?? '',
    scopes: [...record.scopes],
    createdAtUnixMs: record.createdAtMs,
    expiresAtUnixMs: record.expiresAtMs ?? 0,
    lastUsedAtUnixMs: record.lastUsedMs ?? 0,
    createdBy: record.createdBy,
    parentTokenId: toCanonicalId(record.parentId),
  };
}
