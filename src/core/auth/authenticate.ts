// Authenticator: turns a presented credential and identity claims into a CallContext.
import { createHash, timingSafeEqual } from 'node:crypto';
import { type CallContext, createContext, isValidPrincipal, principalKind, SYSTEM_DEVICE_ID } from '../context.js';
import { CoreError } from '../errors.js';
import { isCanonicalId } from '../ids.js';

/** What a transport extracted from the request; it decides nothing itself. */
export interface PresentedCredential {
  bearer?: string | undefined;
  principal?: string | undefined;
  deviceId?: string | undefined;
  channel?: string | undefined;
  signal?: AbortSignal;
  requestId?: string;
}

export const DEFAULT_ADMIN_PRINCIPAL = 'admin:local';

/** Compares secrets in constant time: both sides are hashed first, so lengths leak nothing either. */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export type AuthFailureListener = (reason: string) => void;

/**
 * Missing or invalid credentials are `unauthenticated` (401 / UNAUTHENTICATED); a valid credential
 * with identity claims it does not vouch for is `permission_denied`.
 */
export class Authenticator {
  private readonly failureListeners: AuthFailureListener[] = [];

  constructor(private readonly adminToken: string) {}

  onFailure(listener: AuthFailureListener): void {
    this.failureListeners.push(listener);
  }

  authenticate(presented: PresentedCredential): CallContext {
    const bearer = presented.bearer?.trim();
    if (!bearer) this.fail('credentials are missing: send "authorization: Bearer <token>"');
    if (!secretsEqual(bearer, this.adminToken)) this.fail('the token is invalid or expired');
    const principal = presented.principal?.trim() || DEFAULT_ADMIN_PRINCIPAL;
    if (!isValidPrincipal(principal)) {
      throw new CoreError('invalid_argument', 'principal must look like <admin|user|system|node|channel>:<name>');
    }
    if (principalKind(principal) !== 'admin') {
      throw new CoreError('permission_denied', 'the admin token can only act as an admin:<name> principal');
    }
    const deviceId = presented.deviceId?.trim() || SYSTEM_DEVICE_ID;
    if (!isCanonicalId(deviceId)) throw new CoreError('invalid_argument', 'device id must be a canonical ULID');
    return createContext({
      principal,
      deviceId,
      channel: presented.channel?.trim() || null,
      scopes: ['*'],
      credential: 'admin_token',
      ...(presented.signal ? { signal: presented.signal } : {}),
      ...(presented.requestId ? { requestId: presented.requestId } : {}),
    });
  }

  private fail(reason: string): never {
    for (const listener of this.failureListeners) listener(reason);
    throw new CoreError('unauthenticated', reason);
  }
}
