// What one `palyra doctor` check reports: a name, ok / warn / fail / skip, a one-line summary and, when something is wrong, the fix.

export const CHECK_STATUSES = ['ok', 'warn', 'fail', 'skip'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface CheckResult {
  /** Stable identifier, e.g. `state-dir`, `port:http`, `daemon:quic`. */
  name: string;
  status: CheckStatus;
  summary: string;
  /** What to do about a warn or fail: a command or the setting to change. */
  fix?: string;
}

export function check(name: string, status: CheckStatus, summary: string, fix?: string): CheckResult {
  return { name, status, summary, ...(fix ? { fix } : {}) };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
