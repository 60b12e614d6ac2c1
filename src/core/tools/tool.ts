// The contract of a tool the agent loop can call.
import type { Owner } from '../auth/authorize.js';

export interface ToolContext {
  runId: string;
  sessionId: string;
  /** The run's owner (principal, device, channel), for tools that act on owned records; on a node, the node itself. */
  owner: Owner;
  /** Aborts on run cancellation or when the tool's time budget is spent. */
  signal: AbortSignal;
}

export interface ToolOutcome {
  success: boolean;
  output: unknown;
  error?: string;
}

/** What an approval is about; decisions remembered for a session are keyed by `id`. */
export interface ApprovalSubject {
  type: 'tool' | 'node_capability' | 'browser_action';
  id: string;
}

export interface Tool {
  name: string;
  description: string;
  /** JSON Schema of the input object (built-ins write it with TypeBox); the registry validates against it. */
  inputSchema: Record<string, unknown>;
  /** Read-only tools never change anything outside the daemon; the policy may let them run unasked. */
  readOnly: boolean;
  /**
   * Tools that act only inside the run's own session or its own browser session (canvases, opening a
   * browser session, scrolling): nothing outside it changes, so the policy may let them run unasked.
   */
  sessionScoped?: boolean;
  /** Tools whose every call needs a human decision, whatever the policy says. */
  alwaysAsk: boolean;
  timeoutMs: number;
  /**
   * The approval subject of one call, for tools whose risk depends on the input (e.g. which node
   * capability, which site). Called only with validated input. Absent: `{ type: 'tool', id: 'tool:<name>' }`.
   */
  approvalSubject?(input: Record<string, unknown>, ctx: { sessionId: string }): ApprovalSubject;
  /**
   * Runs one call. `input` has passed `ToolRegistry.validate` against `inputSchema`. Expected failures
   * (refusals, upstream errors, abort, timeout) resolve with `success: false` and a safe `error`;
   * a throw is a defect, which the caller reports as `internal`.
   */
  execute(input: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome>;
}
