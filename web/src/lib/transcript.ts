// A run's tape as a conversation: assistant text, tool calls (proposal, approval, decision, result) and status.
import type { RunEvent } from '../api/types';

export interface ApprovalView {
  approvalId: string;
  title: string;
  summary: string;
  /** null while waiting for a decision. */
  approved: boolean | null;
  reason: string | null;
  scope: string | null;
}

export interface ToolCallView {
  kind: 'tool';
  proposalId: string;
  toolName: string;
  inputJson: string;
  approval: ApprovalView | null;
  /** The policy's verdict, e.g. `allowed: read_only`. */
  decision: string | null;
  result: { success: boolean; outputJson: string; error: string } | null;
}

export interface TextView {
  kind: 'text';
  text: string;
}

export type TranscriptItem = TextView | ToolCallView;

export interface Transcript {
  items: TranscriptItem[];
  /** The last status kind (accepted, in_progress, done, failed) and its message. */
  status: { kind: string; message: string } | null;
  /** Tokens of model text received. */
  tokenCount: number;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Builds the transcript from events in seq order. Pure: the same events always give the same transcript. */
export function buildTranscript(events: readonly RunEvent[]): Transcript {
  const items: TranscriptItem[] = [];
  const tools = new Map<string, ToolCallView>();
  let status: Transcript['status'] = null;
  let tokenCount = 0;
  const tool = (proposalId: string): ToolCallView | undefined => tools.get(proposalId);
  for (const event of events) {
    const payload = event.payload;
    switch (event.event_type) {
      case 'model_token': {
        const token = text(payload.token);
        if (token === '') break;
        tokenCount += 1;
        const last = items.at(-1);
        if (last?.kind === 'text') last.text += token;
        else items.push({ kind: 'text', text: token });
        break;
      }
      case 'tool_proposal': {
        const proposalId = text(payload.proposal_id);
        if (tools.has(proposalId)) break;
        const view: ToolCallView = { kind: 'tool', proposalId, toolName: text(payload.tool_name), inputJson: text(payload.input_json), approval: null, decision: null, result: null };
        tools.set(proposalId, view);
        items.push(view);
        break;
      }
      case 'tool_approval_request': {
        const view = tool(text(payload.proposal_id));
        const prompt = (payload.prompt ?? {}) as Record<string, unknown>;
        if (view) view.approval = { approvalId: text(payload.approval_id), title: text(prompt.title) || `Allow ${view.toolName}?`, summary: text(payload.request_summary), approved: null, reason: null, scope: null };
        break;
      }
      case 'tool_approval_response': {
        const view = tool(text(payload.proposal_id));
        if (!view) break;
        const decided = { approved: payload.approved === true, reason: text(payload.reason), scope: text(payload.decision_scope) || null };
        view.approval = view.approval ? { ...view.approval, ...decided } : { approvalId: text(payload.approval_id), title: `Allow ${view.toolName}?`, summary: '', ...decided };
        break;
      }
      case 'tool_decision': {
        const view = tool(text(payload.proposal_id));
        if (view) view.decision = `${payload.kind === 'allow' ? 'allowed' : 'denied'}: ${text(payload.reason)}`;
        break;
      }
      case 'tool_result': {
        const view = tool(text(payload.proposal_id));
        if (view) view.result = { success: payload.success === true, outputJson: text(payload.output_json), error: text(payload.error) };
        break;
      }
      case 'status':
        status = { kind: text(payload.kind), message: text(payload.message) };
        break;
      default:
        break;
    }
  }
  return { items, status, tokenCount };
}
