// RFC 6902 JSON Patch applied to a canvas state, all operations or none (fast-json-patch underneath).
import jsonPatch, { type Operation } from 'fast-json-patch';
import { CoreError } from '../errors.js';

/** The most operations one patch may carry. */
export const MAX_PATCH_OPERATIONS = 1000;

/**
 * The state after every operation of `patch`, in order; `state` itself is not changed. A failing
 * `test` operation or any invalid one rejects the whole patch (RFC 6902 §5). Writes through
 * `__proto__` are refused.
 * @throws CoreError `invalid_argument` naming the failing operation (or `failed_precondition` for a failed `test`).
 */
export function applyJsonPatch(state: Record<string, unknown>, patch: unknown): Record<string, unknown> {
  if (!Array.isArray(patch) || patch.length === 0) throw new CoreError('invalid_argument', 'patch must be a non-empty JSON array of RFC 6902 operations');
  if (patch.length > MAX_PATCH_OPERATIONS) throw new CoreError('invalid_argument', `patch holds more than ${MAX_PATCH_OPERATIONS} operations`);
  // One operation at a time on a private copy: the library's own loop reports the wrong operation index.
  let result: unknown = jsonPatch.deepClone(state);
  for (const [index, operation] of (patch as Operation[]).entries()) {
    try {
      result = jsonPatch.applyOperation(result, operation, true, true, true, index).newDocument;
    } catch (error) {
      throw patchError(error, index);
    }
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new CoreError('invalid_argument', 'the patched canvas state must remain a JSON object');
  }
  return result as Record<string, unknown>;
}

function patchError(error: unknown, index: number): CoreError {
  const name = (error as { name?: unknown }).name;
  if (name === 'TEST_OPERATION_FAILED') {
    return new CoreError('failed_precondition', `patch operation ${index}: test failed; the state was not changed`, { cause: error });
  }
  return new CoreError('invalid_argument', `patch operation ${index} is invalid (${typeof name === 'string' ? name.toLowerCase() : 'malformed'}); the state was not changed`, { cause: error });
}
