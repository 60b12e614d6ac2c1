// browserd's call authentication: the service token (constant time) and the caller's principal, from metadata.
import type { Metadata } from '@grpc/grpc-js';
import { matchesHash } from '../../core/auth/secrets.js';
import { CoreError } from '../../core/errors.js';

export const PRINCIPAL_HEADER = 'x-palyra-principal';
const MAX_PRINCIPAL_CHARS = 256;

/** `tokenHash` undefined means the operator started browserd with --allow-no-token (loopback only). */
export interface CallAuth {
  tokenHash: string | undefined;
}

/**
 * The caller's principal. @throws `unauthenticated` "missing or invalid browser service token" for a
 * missing or wrong bearer token, "missing caller principal" when x-palyra-principal is absent or empty.
 */
export function authenticateBrowserCall(auth: CallAuth, metadata: Metadata): string {
  if (auth.tokenHash !== undefined) {
    const header = metadata.get('authorization')[0];
    const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (presented === '' || !matchesHash(presented, auth.tokenHash)) {
      throw new CoreError('unauthenticated', 'missing or invalid browser service token');
    }
  }
  const principal = metadata.get(PRINCIPAL_HEADER)[0];
  if (typeof principal !== 'string' || principal.trim() === '') throw new CoreError('unauthenticated', 'missing caller principal');
  if (principal.length > MAX_PRINCIPAL_CHARS) throw new CoreError('invalid_argument', `${PRINCIPAL_HEADER} is longer than ${MAX_PRINCIPAL_CHARS} characters`);
  return principal.trim();
}
