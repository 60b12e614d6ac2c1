// Canonical ids: ULIDs (Crockford base32, upper-case, 26 characters), minted monotonically.
import { getRandomValues } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { CoreError } from './errors.js';

const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

// The library's default generator asks the CSPRNG for one byte per character (16 calls per id); drawing
// the same bytes from a refilled pool costs one call per 256 ids.
const randomPool = new Uint8Array(4096);
let poolOffset = randomPool.length;
function pooledRandom(): number {
  if (poolOffset === randomPool.length) {
    getRandomValues(randomPool);
    poolOffset = 0;
  }
  return (randomPool[poolOffset++] as number) / 256;
}
const nextUlid = monotonicFactory(pooledRandom);

/** A new ULID; ids minted in one process sort in creation order. */
export function newId(): string {
  return nextUlid();
}

export function isCanonicalId(value: unknown): value is string {
  return typeof value === 'string' && ULID_PATTERN.test(value);
}

/** Checks a required id field; throws invalid_argument naming the field. */
export function requireCanonicalId(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') {
    throw new CoreError('invalid_argument', `${field} is required`, {
      details: { validationErrors: [{ path: field, message: 'is required' }] },
    });
  }
  if (!isCanonicalId(value)) {
    throw new CoreError('invalid_argument', `${field} must be a canonical ULID`, {
      details: { validationErrors: [{ path: field, message: 'must be a canonical ULID' }] },
    });
  }
  return value;
}
