// Budgets every run is held to.

export interface RunLimits {
  /** Model turns per user turn. */
  maxTurns: number;
  /** Tool calls (including rejected proposals) per run. */
  maxToolCalls: number;
  /** Wall-clock budget of one user turn's agent loop, approvals included. */
  wallClockMs: number;
  /** Runs one principal may have accepted or in progress at once. */
  maxConcurrentPerPrincipal: number;
  /** Longest prompt text accepted for one turn. */
  maxInputBytes: number;
}

export const DEFAULT_RUN_LIMITS: RunLimits = {
  maxTurns: 8,
  maxToolCalls: 16,
  wallClockMs: 120_000,
  maxConcurrentPerPrincipal: 16,
  maxInputBytes: 256 * 1024,
};
