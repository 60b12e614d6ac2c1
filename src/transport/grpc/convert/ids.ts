// Canonical ids and the protocol version field between proto messages and core values.
import { CoreError } from '../../../core/errors.js';
import { isCanonicalId } from '../../../core/ids.js';
import type { CanonicalId } from '../../../gen/palyra/common/v1/common.js';

export const PROTOCOL_MAJOR = 1;

/** The id inside a CanonicalId, or undefined when the message left it unset or empty. */
export function optionalId(id: CanonicalId | undefined, field: string): string | undefined {
  const value = id?.ulid;
  if (value === undefined || value === '') return undefined;
  if (!isCanonicalId(value)) throw new CoreError('invalid_argument', `${field} must be a canonical ULID`);
  return value;
}

/** @throws `invalid_argument` "`<field>` is required" or "must be a canonical ULID". */
export function requiredId(id: CanonicalId | undefined, field: string): string {
  const value = optionalId(id, field);
  if (value === undefined) throw new CoreError('invalid_argument', `${field} is required`);
  return value;
}

export function toCanonicalId(value: string | null | undefined): CanonicalId | undefined {
  return value ? { ulid: value } : undefined;
}

/** Every request carries `v`; only major 1 exists. @throws `failed_precondition`. */
export function checkVersion(v: number, what = 'request'): void {
  if (v !== PROTOCOL_MAJOR) {
    throw new CoreError('failed_precondition', `unsupported protocol major version ${v} in ${what} (this server speaks ${PROTOCOL_MAJOR})`);
  }
}
