// Redaction of journal payloads: secret-looking keys and strings become "<redacted>" before hashing.
import { CoreError } from '../errors.js';

/** What replaces a redacted value. */
export const REDACTED = '<redacted>';

/** A payload as it will be stored and hashed: compact JSON, and whether redaction changed anything. */
export interface RedactedPayload {
  json: string;
  redacted: boolean;
}

// Compared against the key lower-cased with `_` and `-` removed, so `api_key`, `apiKey`, `API-KEY`
// and `privateKey` all match.
const SECRET_KEY_PARTS = [
  'secret',
  'token',
  'password',
  'passwd',
  'apikey',
  'authorization',
  'cookie',
  'credential',
  'privatekey',
  'proof',
  'signature',
];
const PIN_TOKENS = new Set(['pin', 'pincode']);
const SECRET_TEXT = /bearer |api_key=|secret=|token=|refresh_token|set-cookie:|cookie:/i;
const SECRET_PREFIX = /^\s*sk-/i;
const COUNT_KEY = /tokens$/i;
const MAX_DEPTH = 128;
const KEY_CACHE_LIMIT = 4096;
const keyCache = new Map<string, boolean>();

/**
 * Whether values under `key` are secrets: its normalised form contains one of the secret words
 * (secret, token, password, passwd, api_key, authorization, cookie, credential, private_key, proof,
 * signature), or its camelCase/snake_case tokens include `pin` or `pincode`. Deliberately
 * conservative: `tokenizer` and `waterproof` count as secret keys. Shared with the logger.
 */
export function isSecretKey(key: string): boolean {
  const cached = keyCache.get(key);
  if (cached !== undefined) return cached;
  const normalised = key.toLowerCase().replace(/[_-]/g, '');
  const secret = SECRET_KEY_PARTS.some((part) => normalised.includes(part)) || hasPinToken(key);
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(key, secret);
  return secret;
}

/** Whether a string value looks like a credential (bearer header, `sk-` key, `token=` query, cookie). */
export function isSecretText(text: string): boolean {
  return SECRET_TEXT.test(text) || SECRET_PREFIX.test(text);
}

/**
 * Redacts a JSON-able value and serialises it compactly. Secret keys get `"<redacted>"` whatever
 * their value, except a number under a key ending in `tokens` (`prompt_tokens`, `maxTokens`), which
 * is a model usage count, not a credential. Secret-looking strings are replaced; strings holding a
 * JSON object or array are redacted inside and re-serialised. `undefined` becomes `{}`; object
 * members that are `undefined`, functions or symbols are dropped, as JSON.stringify does.
 * @throws CoreError `invalid_argument` for a BigInt, a non-finite number, a circular reference or
 * nesting deeper than 128 levels.
 */
export function redactPayload(value: unknown): RedactedPayload {
  if (value === undefined) return { json: '{}', redacted: false };
  const state: WalkState = { ancestors: [], redacted: false };
  const json = serialise(walk(value, 0, state));
  return { json, redacted: state.redacted };
}

/**
 * Redacts a payload received as raw bytes or text (e.g. a wire `payload_json` field). Empty input
 * becomes `{}`; bytes that are not UTF-8 and text that is not JSON are replaced by a marker object
 * carrying the byte count, so nothing unparsed is ever stored.
 */
export function redactRawPayload(raw: string | Uint8Array): RedactedPayload {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (bytes === 0) return { json: '{}', redacted: false };
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return marker('binary_or_non_utf8_payload', bytes);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return marker('non_json_payload', bytes);
  }
  return redactPayload(parsed);
}

function marker(reason: string, bytes: number): RedactedPayload {
  return { json: JSON.stringify({ redacted: true, reason, bytes }), redacted: true };
}

function hasPinToken(key: string): boolean {
  const tokens = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return tokens.some((token) => PIN_TOKENS.has(token));
}

interface WalkState {
  // The objects on the current path; a short array is cheaper than a Set at typical depths.
  ancestors: object[];
  redacted: boolean;
}

// Returns `value` itself when nothing under it changed, so an untouched payload is never copied.
function walk(value: unknown, depth: number, state: WalkState): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value, depth, state);
    case 'number':
      if (!Number.isFinite(value)) throw malformed('payload contains a non-finite number');
      return value;
    case 'bigint':
      throw malformed('payload contains a BigInt, which JSON cannot represent');
    case 'object':
      if (value === null) return value;
      return walkObject(value, depth, state);
    default:
      return value;
  }
}

function walkObject(value: object, depth: number, state: WalkState): unknown {
  if (depth >= MAX_DEPTH) throw malformed(`payload nests deeper than ${MAX_DEPTH} levels`);
  if (state.ancestors.includes(value)) throw malformed('payload contains a circular reference');
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return walk(toJSON.call(value), depth, state);
  state.ancestors.push(value);
  const result = Array.isArray(value)
    ? walkArray(value, depth, state)
    : walkRecord(value as Record<string, unknown>, depth, state);
  state.ancestors.pop();
  return result;
}

function walkArray(items: unknown[], depth: number, state: WalkState): unknown[] {
  let copy: unknown[] | undefined;
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index];
    const next = walk(item, depth + 1, state);
    if (next !== item) {
      copy ??= items.slice();
      copy[index] = next;
    }
  }
  return copy ?? items;
}

function walkRecord(record: Record<string, unknown>, depth: number, state: WalkState): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    let next: unknown;
    if (isSecretKey(key) && item !== undefined && !(typeof item === 'number' && COUNT_KEY.test(key))) {
      next = REDACTED;
      state.redacted = true;
    } else {
      next = walk(item, depth + 1, state);
    }
    if (next !== item) {
      // A null prototype keeps a parsed "__proto__" key an ordinary member of the copy.
      copy ??= Object.assign(Object.create(null) as Record<string, unknown>, record);
      copy[key] = next;
    }
  }
  return copy ?? record;
}

function redactString(text: string, depth: number, state: WalkState): string {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    let inner: unknown;
    try {
      inner = JSON.parse(text);
    } catch {
      inner = undefined;
    }
    if (inner !== undefined) {
      const before = state.redacted;
      state.redacted = false;
      const walked = walk(inner, depth + 1, state);
      const changed = state.redacted;
      state.redacted = before || changed;
      return changed ? serialise(walked) : text;
    }
  }
  if (!isSecretText(text)) return text;
  state.redacted = true;
  return REDACTED;
}

function serialise(value: unknown): string {
  try {
    // A top-level function or symbol serialises to undefined; store it as the empty object.
    return JSON.stringify(value) ?? '{}';
  } catch (error) {
    throw malformed('payload cannot be serialised as JSON', error);
  }
}

function malformed(message: string, cause?: unknown): CoreError {
  return new CoreError('invalid_argument', message, {
    details: { validationErrors: [{ path: 'payload', message }] },
    ...(cause === undefined ? {} : { cause }),
  });
}
