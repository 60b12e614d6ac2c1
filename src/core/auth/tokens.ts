// TokenService: scoped API tokens and short-lived session tokens; only their hashes are stored.
import type { CallContext } from '../context.js';
import { isAdmin, isValidPrincipal, principalKind } from '../context.js';
import { CoreError } from '../errors.js';
import { isCanonicalId, newId, requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import { type Action, ALL_SCOPES, type Authorizer } from './authorize.js';
import { formatToken, hashSecret, matchesHash, newSecret, parseToken } from './secrets.js';
import type { CredentialRecord, CredentialStore } from './store.js';

export const MAX_API_TOKEN_TTL_SECONDS = 366 * 86_400;
export const DEFAULT_SESSION_TTL_SECONDS = 3_600;
export const MAX_SESSION_TTL_SECONDS = 86_400;
export const MAX_TOKEN_PAGE = 500;
// last_used is a hint for operators, not an audit trail: writing it on every call would cost a write per request.
const TOUCH_INTERVAL_MS = 60_000;

export interface CreateApiTokenInput {
  name: string;
  principal: string;
  scopes: string[];
  ttlSeconds?: number;
}

export interface IssuedToken {
  /** The token itself: shown once, never stored. */
  token: string;
  record: CredentialRecord;
}

export class TokenService {
  constructor(
    private readonly store: CredentialStore,
    private readonly authorizer: Authorizer,
    private readonly journal: Journal,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Mints an API token for `principal` with `scopes` (each must be held by the caller).
   * @throws `invalid_argument` (name, principal, scope, ttl), `permission_denied`.
   */
  async createApiToken(ctx: CallContext, input: CreateApiTokenInput): Promise<IssuedToken> {
    this.authorizer.authorize(ctx, 'tokens.write');
    const name = input.name?.trim() ?? '';
    if (name.length < 1 || name.length > 100) throw new CoreError('invalid_argument', 'name must be 1-100 characters');
    if (!isValidPrincipal(input.principal)) throw new CoreError('invalid_argument', 'principal must look like <admin|user|system|channel>:<name>');
    if (principalKind(input.principal) === 'node') throw new CoreError('invalid_argument', 'node principals authenticate with device certificates, not tokens');
    if (!isAdmin(ctx) && input.principal !== ctx.principal) throw new CoreError('permission_denied', 'only an admin can mint tokens for another principal');
    const scopes = this.checkScopes(ctx, input.scopes);
    const ttl = input.ttlSeconds ?? 0;
    if (!Number.isSafeInteger(ttl) || ttl < 0 || ttl > MAX_API_TOKEN_TTL_SECONDS) {
      throw new CoreError('invalid_argument', `ttl_seconds must be 0 (no expiry) to ${MAX_API_TOKEN_TTL_SECONDS}`);
    }
    const at = this.now();
    return this.issue(ctx, {
      kind: 'api',
      name,
      principal: input.principal,
      deviceId: null,
      channel: null,
      scopes,
      parentId: null,
      createdAtMs: at,
      expiresAtMs: ttl > 0 ? at + ttl * 1000 : null,
    });
  }

  /**
   * Exchanges the caller's credential for a short-lived session token bound to its principal, device
   * and channel, with at most the caller's scopes. Revoking the parent API token revokes it too.
   */
  async exchange(ctx: CallContext, input: { scopes?: string[]; ttlSeconds?: number }): Promise<IssuedToken> {
    const scopes = input.scopes && input.scopes.length > 0 ? this.checkScopes(ctx, input.scopes) : [...ctx.scopes];
    const ttl = input.ttlSeconds && input.ttlSeconds > 0 ? input.ttlSeconds : DEFAULT_SESSION_TTL_SECONDS;
    if (!Number.isSafeInteger(ttl) || ttl > MAX_SESSION_TTL_SECONDS) throw new CoreError('invalid_argument', `ttl_seconds must be at most ${MAX_SESSION_TTL_SECONDS}`);
    const at = this.now();
    const expiresAtMs = Math.min(at + ttl * 1000, ctx.expiresAtMs ?? Number.MAX_SAFE_INTEGER);
    return this.issue(ctx, {
      kind: 'session',
      name: `session for ${ctx.principal}`,
      principal: ctx.principal,
      deviceId: ctx.deviceId,
      channel: ctx.channel,
      scopes,
      parentId: ctx.credential === 'api_token' || ctx.credential === 'session_token' ? (ctx.credentialId ?? null) : null,
      createdAtMs: at,
      expiresAtMs,
    });
  }

  listApiTokens(ctx: CallContext, input: { includeRevoked?: boolean; afterTokenId?: string; limit?: number }): CredentialRecord[] {
    this.authorizer.authorize(ctx, 'tokens.read');
    if (input.afterTokenId && !isCanonicalId(input.afterTokenId)) throw new CoreError('invalid_argument', 'after_token_id must be a canonical ULID');
    return this.store.listCredentials({
      kind: 'api',
      ...(isAdmin(ctx) ? {} : { principal: ctx.principal }),
      includeRevoked: input.includeRevoked ?? false,
      limit: Math.min(Math.max(input.limit ?? 100, 1), MAX_TOKEN_PAGE),
      ...(input.afterTokenId ? { afterTokenId: input.afterTokenId } : {}),
    });
  }

  /** One API token's metadata; `action` is the operation the lookup serves. @throws `not_found` (also for another principal's token, unless admin). */
  getApiToken(ctx: CallContext, tokenId: string, action: Action = 'tokens.read'): CredentialRecord {
    this.authorizer.authorize(ctx, action);
    return this.ownToken(ctx, 'api', tokenId);
  }

  /** Revokes an API token and the session tokens minted from it. @throws `not_found`, `permission_denied`. */
  async revokeApiToken(ctx: CallContext, tokenId: string): Promise<{ revoked: boolean }> {
    this.authorizer.authorize(ctx, 'tokens.write');
    this.ownToken(ctx, 'api', tokenId);
    return this.revoke(ctx, tokenId, 'api');
  }

  /**
   * The caller's live session tokens (every principal's for admin, or one principal's with `principal`),
   * in token id order: metadata only.
   */
  listSessionTokens(ctx: CallContext, input: { principal?: string; afterTokenId?: string; limit?: number }): { tokens: CredentialRecord[]; nextAfterTokenId: string | null } {
    this.authorizer.authorize(ctx, 'tokens.read');
    if (input.afterTokenId && !isCanonicalId(input.afterTokenId)) throw new CoreError('invalid_argument', 'after_token_id must be a canonical ULID');
    if (input.principal && !isValidPrincipal(input.principal)) throw new CoreError('invalid_argument', 'principal must look like <admin|user|system|channel>:<name>');
    const principal = isAdmin(ctx) ? input.principal : ctx.principal;
    const limit = Math.min(Math.max(input.limit ?? 100, 1), MAX_TOKEN_PAGE);
    const rows = this.store.listCredentials({
      kind: 'session',
      ...(principal ? { principal } : {}),
      includeRevoked: false,
      liveAtMs: this.now(),
      limit: limit + 1,
      ...(input.afterTokenId ? { afterTokenId: input.afterTokenId } : {}),
    });
    const tokens = rows.slice(0, limit);
    return { tokens, nextAfterTokenId: rows.length > limit ? (tokens.at(-1)?.tokenId ?? null) : null };
  }

  /**
   * Revokes a session token (and those exchanged from it): the one presented with the call when
   * `tokenId` is absent or names it, else one of the caller's by id (`tokens:write`; an admin's may
   * name any principal's).
   * @throws `failed_precondition` (no id, and the call presented no session token), `not_found` (also
   *   for another principal's token), `permission_denied` (scope).
   */
  async revokeSessionToken(ctx: CallContext, tokenId?: string): Promise<{ tokenId: string; revoked: boolean }> {
    if (tokenId === undefined || (ctx.credential === 'session_token' && tokenId === ctx.credentialId)) {
      if (ctx.credential !== 'session_token' || !ctx.credentialId) {
        throw new CoreError('failed_precondition', 'this call presented no session token: name the session token to revoke by token_id');
      }
      return { tokenId: ctx.credentialId, ...(await this.revoke(ctx, ctx.credentialId, 'session')) };
    }
    this.authorizer.authorize(ctx, 'tokens.write');
    this.ownToken(ctx, 'session', tokenId);
    return { tokenId, ...(await this.revoke(ctx, tokenId, 'session')) };
  }

  /** A token of `kind` the caller may manage: its own principal's, or any for an admin. @throws `not_found`, `invalid_argument`. */
  private ownToken(ctx: CallContext, kind: CredentialRecord['kind'], tokenId: string): CredentialRecord {
    requireCanonicalId(tokenId, 'token_id');
    const record = this.store.getCredential(tokenId);
    if (!record || record.kind !== kind || (!isAdmin(ctx) && record.principal !== ctx.principal)) {
      throw new CoreError('not_found', `${kind === 'api' ? 'api' : 'session'} token not found: ${tokenId}`);
    }
    return record;
  }

  private async revoke(ctx: CallContext, tokenId: string, type: CredentialRecord['kind']): Promise<{ revoked: boolean }> {
    const changed = this.store.revokeCredential(tokenId, this.now());
    await this.audit(ctx, 'auth.token_revoked', { id: tokenId, type });
    return { revoked: changed > 0 };
  }

  /**
   * Finds the live credential behind a presented token.
   * @throws `unauthenticated` when it is malformed, unknown, wrong, expired or revoked (one message for
   *   all, so a caller learns nothing about which).
   */
  verify(token: string): CredentialRecord {
    const parsed = parseToken(token);
    const record = parsed ? this.store.getCredential(parsed.tokenId) : undefined;
    const at = this.now();
    const valid =
      parsed !== undefined &&
      record !== undefined &&
      matchesHash(parsed.secret, record.secretHash) &&
      (parsed.prefix === 'pat') === (record.kind === 'api') &&
      record.revokedAtMs === null &&
      (record.expiresAtMs === null || record.expiresAtMs > at) &&
      this.parentIsLive(record, at);
    if (!valid || !record) throw new CoreError('unauthenticated', 'the token is invalid or expired');
    if (record.lastUsedMs === null || at - record.lastUsedMs > TOUCH_INTERVAL_MS) this.store.touchCredential(record.tokenId, at);
    return record;
  }

  private parentIsLive(record: CredentialRecord, at: number): boolean {
    if (record.parentId === null) return true;
    const parent = this.store.getCredential(record.parentId);
    return parent !== undefined && parent.revokedAtMs === null && (parent.expiresAtMs === null || parent.expiresAtMs > at);
  }

  private checkScopes(ctx: CallContext, scopes: string[]): string[] {
    if (!Array.isArray(scopes) || scopes.length === 0) throw new CoreError('invalid_argument', `scopes must list at least one of: ${ALL_SCOPES.join(', ')}, or *`);
    for (const scope of scopes) {
      if (scope !== '*' && !(ALL_SCOPES as readonly string[]).includes(scope)) {
        throw new CoreError('invalid_argument', `unknown scope "${scope}"; known scopes: ${ALL_SCOPES.join(', ')}, *`);
      }
      if (!ctx.scopes.includes('*') && !ctx.scopes.includes(scope)) {
        throw new CoreError('permission_denied', `cannot grant scope ${scope}: the caller does not hold it`);
      }
    }
    return [...new Set(scopes)];
  }

  private async issue(ctx: CallContext, fields: Omit<CredentialRecord, 'tokenId' | 'secretHash' | 'createdBy' | 'revokedAtMs' | 'lastUsedMs'>): Promise<IssuedToken> {
    const tokenId = newId();
    const secret = newSecret();
    const record: CredentialRecord = { ...fields, tokenId, secretHash: hashSecret(secret), createdBy: ctx.principal, revokedAtMs: null, lastUsedMs: null };
    this.store.insertCredential(record);
    await this.audit(ctx, 'auth.token_issued', { id: tokenId, type: record.kind, principal: record.principal, scopes: record.scopes, expires_at_ms: record.expiresAtMs });
    return { token: formatToken(record.kind === 'api' ? 'pat' : 'pst', tokenId, secret), record };
  }

  private audit(ctx: CallContext, kind: string, payload: Record<string, unknown>) {
    return this.journal.append({ kind, actor: 'user', principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel, payload });
  }
}
