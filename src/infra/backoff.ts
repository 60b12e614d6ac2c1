// Retry delays (node reconnects, palyra-browserd restarts): exponential with full jitter, capped.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** The delay before reconnect attempt `attempt` (0-based): uniform in [initial/2, min(max, initial·2^attempt)]. */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  const floor = Math.min(ceiling, options.initialMs / 2);
  return Math.round(floor + random() * (ceiling - floor));
}
