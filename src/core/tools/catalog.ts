// The tools runs may call and what the policy does with each, as callers see it ("which tools ask?").
import type { Authorizer } from '../auth/authorize.js';
import type { CallContext } from '../context.js';
import type { ToolDecisionKind, ToolDecisionReason, ToolPolicy } from './policy.js';
import type { ToolRegistry } from './registry.js';

export interface ToolListing {
  name: string;
  description: string;
  readOnly: boolean;
  /** What a proposed call gets under this daemon's configuration: runs, asks a person, or is refused. */
  decision: ToolDecisionKind;
  reason: ToolDecisionReason;
}

export class ToolCatalog {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly policy: ToolPolicy,
    private readonly authorizer: Authorizer,
  ) {}

  /** Every registered tool by name, with the policy's decision; the same decision a run's call meets first. */
  list(ctx: CallContext): ToolListing[] {
    this.authorizer.authorize(ctx, 'tools.read');
    return this.registry
      .list()
      .map((tool) => ({ name: tool.name, description: tool.description, readOnly: tool.readOnly, ...this.policy.decide(tool.name) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
