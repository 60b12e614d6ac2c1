// Binding a list for `IN (...)`: one named parameter per value, never a value spliced into the SQL.

/** Adds `@<prefix>0, @<prefix>1, …` to `params` and returns the placeholders; `NULL` for an empty list (matches nothing). */
export function bindList(values: readonly string[], params: Record<string, unknown>, prefix: string): string {
  if (values.length === 0) return 'NULL';
  return values
    .map((value, index) => {
      params[`${prefix}${index}`] = value;
      return `@${prefix}${index}`;
    })
    .join(', ');
}
