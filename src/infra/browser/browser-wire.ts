// Conversion between the generated browser messages and the contract's wire names (snake_case, ids as strings).

/**
 * A decoded message in wire names: camelCase keys become snake_case, a `{ ulid }` id becomes its
 * string, bytes stay Buffers.
 */
export function toWire(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === 'ulid') return entries[0]![1];
  return Object.fromEntries(entries.map(([key, child]) => [key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), toWire(child)]));
}

/** A request in wire names as the proto JSON the generated `fromJSON` reads: ids (`*_id` strings) become `{ ulid }`. */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, key.endsWith('_id') && typeof child === 'string' ? { ulid: child } : fromWire(child)]),
  );
}
