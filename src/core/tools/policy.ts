// ToolPolicy: decides whether a proposed tool call runs, needs a human, or is refused.
import type { ToolRegistry } from './registry.js';

export type ToolDecisionKind = 'allow' | 'ask' | 'deny';

/** Why the policy decided as it did; stable strings, shown to clients and written to the tape. */
export type ToolDecisionReason =
  | 'unknown_tool'
  | 'denied_by_config'
  | 'always_ask'
  | 'allowed_by_config'
  | 'read_only'
  | 'session_scoped'
  | 'side_effects';

export interface ToolDecision {
  decision: ToolDecisionKind;
  reason: ToolDecisionReason;
}

/** Operator overrides, from config `tools.allow` and `tools.deny` (tool names). */
export interface ToolPolicyConfig {
  allow: readonly string[];
  deny: readonly string[];
}

/** The approval subject of a tool call; approvals remembered for a session are keyed by it. */
export function toolSubjectId(toolName: string): string {
  return `tool:${toolName}`;
}

/**
 * Rules, first match wins: unknown tool → deny; listed in `deny` → deny; `alwaysAsk` tool → ask
 * (even when listed in `allow`); listed in `allow` → allow; read-only tool → allow; a tool acting only
 * in the run's own session (canvases, its browser session) → allow; otherwise ask.
 * Names in the config that match no tool have no effect.
 */
export class ToolPolicy {
  readonly #registry: ToolRegistry;
  readonly #allow: ReadonlySet<string>;
  readonly #deny: ReadonlySet<string>;

  constructor(registry: ToolRegistry, config: ToolPolicyConfig = { allow: [], deny: [] }) {
    this.#registry = registry;
    this.#allow = new Set(config.allow);
    this.#deny = new Set(config.deny);
  }

  decide(toolName: string): ToolDecision {
    const tool = this.#registry.get(toolName);
    if (tool === undefined) return { decision: 'deny', reason: 'unknown_tool' };
    if (this.#deny.has(toolName)) return { decision: 'deny', reason: 'denied_by_config' };
    if (tool.alwaysAsk) return { decision: 'ask', reason: 'always_ask' };
    if (this.#allow.has(toolName)) return { decision: 'allow', reason: 'allowed_by_config' };
    if (tool.readOnly) return { decision: 'allow', reason: 'read_only' };
    if (tool.sessionScoped) return { decision: 'allow', reason: 'session_scoped' };
    return { decision: 'ask', reason: 'side_effects' };
  }
}
