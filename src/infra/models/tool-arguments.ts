// Turns the argument text a model wrote for a tool call into the input object the core expects.

/**
 * Parses tool-call arguments: empty text is `{}`, a JSON object is itself, and anything else
 * (invalid JSON, an array, a string) is kept as `{ raw: <text> }` so the core can reject it visibly.
 */
export function parseToolArguments(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // not JSON: fall through to the raw form
  }
  return { raw: text };
}
