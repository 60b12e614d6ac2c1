// Authenticator: turns a presented bearer credential and identity claims into a CallContext.
import { type CallContext, createContext, isValidPrincipal, principalKind, type SignalSource, SYSTEM_DEVICE_ID } from '../context.js';
import { CoreError } from '../errors.js';
import { isCanonicalId } from '../ids.js';
import { hashSecret, matchesHash } from './secrets.js';
import type { TokenService } from './tokens.js';

/** What a transport extracted from the request; it decides nothing itself. */
export interface PresentedCredential {
  bearer?: string | undefined;
  principal?: string | undefined;
  deviceId?: string | undefined;
  channel?: string | undefined;
  signal?: SignalSource;
  requestId?: string;
}

export const DEFAULT_ADMIN_PRINCIPAL = 'admin:local';

export type AuthFailureListener = (reason: string) => void;

/**
 * Accepts the admin token (acting as any `admin:` principal the caller names), API tokens (acting as
 * their own principal) and session tokens (bound to principal, device and channel). Missing or invalid
 * credentials are `unauthenticated`; identity claims the credential does not vouch for are
 * `permission_denied`; malformed claims are `invalid_argument`.
 */
export class Authenticator {
  private readonly failureListeners: AuthFailureListener[] = [];
  private readonly adminTokenHash: string;

  constructor(
    adminToken: string,
    private readonly tokens: TokenService,
  ) {
    this.adminTokenHash = hashSecret(adminToken);
  }

  onFailure(listener: AuthFailureListener): void {
    this.failureListeners.push(listener);
  }

  authenticate(presented: PresentedCredential): CallContext {
    const bearer = presented.bearer?.trim();
    if (!bearer) this.fail('credentials are missing: send "authorization: Bearer <token>"');
    const claims = readClaims(presented);
    const common = {
      ...(presented.signal ? { signal: presented.signal } : {}),
      ...(presented.requestId ? { requestId: presented.requestId } : {}),
    };
    if (!bearer.startsWith('palyra_')) {
      if (!matchesHash(bearer, this.adminTokenHash)) this.fail('the token is invalid or expired');
      const principal = claims.principal ?? DEFAULT_ADMIN_PRINCIPAL;
      if (principalKind(principal) !== 'admin') throw new CoreError('permission_denied', 'the admin token can only act as an admin:<name> principal');
      return createContext({ principal, deviceId: claims.deviceId ?? SYSTEM_DEVICE_ID, channel: claims.channel, scopes: ['*'], credential: 'admin_token', ...common });
    }
    let record;
    try {
      record = this.tokens.verify(bearer);
    } catch (error) {
      if (error instanceof CoreError) this.fail(error.message);
      throw error;
    }
    if (claims.principal !== undefined && claims.principal !== record.principal) {
      throw new CoreError('permission_denied', `this token acts as ${record.principal}; the principal header names someone else`);
    }
    if (record.deviceId !== null && claims.deviceId !== undefined && claims.deviceId !== record.deviceId) {
      throw new CoreError('permission_denied', 'this session token is bound to another device');
    }
    if (record.kind === 'session' && claims.channel !== null && claims.channel !== record.channel) {
      throw new CoreError('permission_denied', 'this session token is bound to another channel');
    }
    return createContext({
      principal: record.principal,
      deviceId: record.deviceId ?? claims.deviceId ?? SYSTEM_DEVICE_ID,
      channel: record.kind === 'session' ? record.channel : claims.channel,
      scopes: record.scopes,
      credential: record.kind === 'api' ? 'api_token' : 'session_token',
      credentialId: record.tokenId,
      ...(record.expiresAtMs !== null ? { expiresAtMs: record.expiresAtMs } : {}),
      ...common,
    });
  }

  private fail(reason: string): never {
    for (const listener of this.failureListeners) listener(reason);
    throw new CoreError('unauthenticated', reason);
  }
}

function readClaims(presented: PresentedCredential): { principal?: string; deviceId?: string; channel: string | null } {
  const principal = presented.principal?.trim() || undefined;
  if (principal !== undefined && !isValidPrincipal(principal)) {
    throw new CoreError('invalid_argument', 'principal must look like <admin|user|system|node|channel>:<name>');
  }
  const deviceId = presented.deviceId?.trim() || undefined;
  if (deviceId !== undefined && !isCanonicalId(deviceId)) throw new CoreError('invalid_argument', 'device id must be a canonical ULID');
  const channel = presented.channel?.trim() || null;
  return { ...(principal ? { principal } : {}), ...(deviceId ? { deviceId } : {}), channel };
}
