// The browser engine's limits: the operator's caps, one session's budget, and how a request narrows it.

/** What one session may use; a request can only lower these below the engine's caps. */
export interface SessionBudget {
  navigationTimeoutMs: number;
  actionTimeoutMs: number;
  sessionLifetimeMs: number;
  idleTtlMs: number;
  maxScreenshotBytes: number;
  /** Any single response the page loads (plain HTTP, through the egress proxy), and a PDF export. */
  maxResponseBytes: number;
  maxActionsPerSession: number;
  maxActionsPerSecond: number;
  maxTabs: number;
}

/** The operator's caps for the whole engine. */
export interface EngineLimits {
  maxSessions: number;
  maxSessionsPerPrincipal: number;
  /** The most a session may ask for; also its default. */
  session: SessionBudget;
}

export const DEFAULT_SESSION_BUDGET: SessionBudget = {
  navigationTimeoutMs: 15_000,
  actionTimeoutMs: 5_000,
  sessionLifetimeMs: 30 * 60_000,
  idleTtlMs: 10 * 60_000,
  maxScreenshotBytes: 256 * 1024,
  maxResponseBytes: 512 * 1024,
  maxActionsPerSession: 256,
  maxActionsPerSecond: 20,
  maxTabs: 32,
};

export const DEFAULT_ENGINE_LIMITS: EngineLimits = {
  maxSessions: 128,
  maxSessionsPerPrincipal: 16,
  session: DEFAULT_SESSION_BUDGET,
};

/** Entries each session keeps in its console and network logs (oldest dropped first). */
export const LOG_RING_ENTRIES = 500;
/** The longest console message kept, in UTF-8 bytes. */
export const MAX_CONSOLE_MESSAGE_BYTES = 4096;
/** Default and maximum `limit` of the list RPCs. */
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 500;

/** `requested` (0 = not set) within `cap`. */
function narrowed(requested: number | undefined, cap: number): number {
  return requested !== undefined && requested > 0 ? Math.min(requested, cap) : cap;
}

/** The budget a session gets: each field the request sets, capped by the engine's limit. */
export function effectiveBudget(requested: Partial<SessionBudget>, caps: SessionBudget): SessionBudget {
  const budget = { ...caps };
  for (const key of Object.keys(caps) as (keyof SessionBudget)[]) budget[key] = narrowed(requested[key], caps[key]);
  return budget;
}

/** A list RPC's `limit` (0 = default) within MAX_LIST_LIMIT. */
export function listLimit(requested: number): number {
  return requested > 0 ? Math.min(requested, MAX_LIST_LIMIT) : DEFAULT_LIST_LIMIT;
}
