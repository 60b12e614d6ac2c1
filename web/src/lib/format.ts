// Display formats for times, durations, ids and JSON text.

export function formatTime(unixMs: number | null | undefined): string {
  if (unixMs === null || unixMs === undefined) return '—';
  return new Date(unixMs).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** "in 3 h", "5 min ago": for expiry and last-seen columns. */
export function relativeTime(unixMs: number | null | undefined, nowMs = Date.now()): string {
  if (unixMs === null || unixMs === undefined) return 'never';
  const delta = unixMs - nowMs;
  const abs = Math.abs(delta);
  const [value, unit] =
    abs < 60_000 ? [Math.round(abs / 1000), 's'] : abs < 3_600_000 ? [Math.round(abs / 60_000), 'min'] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), 'h'] : [Math.round(abs / 86_400_000), 'd'];
  return delta >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

export function shortId(id: string): string {
  return id.length > 10 ? `${id.slice(0, 4)}…${id.slice(-6)}` : id;
}

/** Pretty-printed JSON when `text` parses, else the text itself. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
