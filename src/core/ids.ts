// Canonical ids: ULIDs (Crockford base32, upper-case, 26 characters), minted monotonically.
import { monotonicFactory } from 'ulid';
import { CoreError } from './errors.js';

const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const nextUlid = monotonicFactory();

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
