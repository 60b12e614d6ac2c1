// Secret material: generation, hashing for storage, constant-time comparison, token string format.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isCanonicalId } from '../ids.js';

/** 256 random bits, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored instead of a secret: its SHA-256, hex. Secrets are random, so no salt or KDF is needed. */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Compares a presented secret with a stored hash in constant time (hashing first, so lengths leak nothing). */
export function matchesHash(presented: string, storedHashHex: string): boolean {
  const a = hash('sha256', presented, 'buffer');
  const b = Buffer.from(storedHashHex, 'hex');
  return b.length === a.length && timingSafeEqual(a, b);
}

export type TokenPrefix = 'pat' | 'pst';

/** `palyra_<pat|pst>_<token id>_<secret>`: the id finds the row, the secret proves possession. */
export function formatToken(prefix: TokenPrefix, tokenId: string, secret: string): string {
  return `palyra_${prefix}_${tokenId}_${secret}`;
}

export function parseToken(token: string): { prefix: TokenPrefix; tokenId: string; secret: string } | undefined {
  const match = /^palyra_(pat|pst)_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match || !isCanonicalId(match[2])) return undefined;
  return { prefix: match[1] as TokenPrefix, tokenId: match[2] as string, secret: match[3] as string };
}
