// What a browser tool hands back to the model and the tape: redacted like the journal, strings and lists capped.
import { redactPayload } from '../../journal/redact.js';

/** The longest string kept in a browser tool's output (the rest is cut and marked). */
export const MAX_OUTPUT_STRING_CHARS = 16_384;
/** The most list entries kept, the latest ones (console and network logs, tabs). */
export const MAX_OUTPUT_LIST_ENTRIES = 200;

/**
 * The response with secrets redacted (the journal's rules: secret-looking keys, bearer headers,
 * `token=` queries, cookies) and every string and list cut to its cap, so a page cannot flood the
 * model's context or plant a credential in the tape. Buffers never reach here (they become artifacts).
 */
export function capBrowserOutput(response: Record<string, unknown>): unknown {
  const rest = { ...response };
  delete rest['v'];
  return cap(JSON.parse(redactPayload(rest).json) as unknown);
}

function cap(value: unknown): unknown {
  if (typeof value === 'string') return value.length <= MAX_OUTPUT_STRING_CHARS ? value : `${value.slice(0, MAX_OUTPUT_STRING_CHARS)}…[truncated]`;
  if (Array.isArray(value)) return value.slice(-MAX_OUTPUT_LIST_ENTRIES).map(cap);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, cap(child)]));
}
