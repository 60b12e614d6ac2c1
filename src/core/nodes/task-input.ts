// Task input checks: JSON encoding, the input size cap, numeric clamps.
import { CoreError } from '../errors.js';

/** Task input, as compact JSON. Keeps a task well inside one 512 KiB QUIC frame. */
export const MAX_TASK_INPUT_BYTES = 256 * 1024;

/** What `invoke` accepts as input: a JSON value or JSON text (neither means null). */
export interface TaskInputSource {
  input?: unknown;
  inputJson?: string;
}

/** Compact JSON of the input. @throws CoreError `invalid_argument` (both given, not JSON, too large). */
export function encodeInput(input: TaskInputSource): string {
  let text: string;
  if (input.inputJson !== undefined) {
    if (input.input !== undefined) throw new CoreError('invalid_argument', 'give input or input_json, not both');
    const raw = input.inputJson.trim() || 'null';
    if (!isJson(raw)) throw new CoreError('invalid_argument', 'input_json is not valid JSON');
    text = JSON.stringify(JSON.parse(raw));
  } else {
    try {
      text = JSON.stringify(input.input ?? null);
    } catch (error) {
      throw new CoreError('invalid_argument', 'input cannot be encoded as JSON', { cause: error });
    }
  }
  if (Buffer.byteLength(text) > MAX_TASK_INPUT_BYTES) throw new CoreError('invalid_argument', `input is larger than ${MAX_TASK_INPUT_BYTES} bytes`);
  return text;
}

/** `value` truncated and clamped to [min, max]. @throws CoreError `invalid_argument` when negative or not finite. */
export function clamp(value: number, min: number, max: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw new CoreError('invalid_argument', `${field} must be a non-negative number`);
  return Math.min(Math.max(Math.trunc(value), min), max);
}

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
