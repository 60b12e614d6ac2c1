// A run's conversation: streamed assistant text, tool calls with their approval, decision and result, and the run's status.
import type { DecisionBody } from '../api/types';
import type { ToolCallView, Transcript } from '../lib/transcript';
import { ApprovalCard } from './approval-card';
import { JsonView } from './json-view';

export interface TranscriptViewProps {
  prompt: string | null;
  transcript: Transcript;
  deciding: boolean;
  onDecide(approvalId: string, decision: DecisionBody): void;
}

export function TranscriptView({ prompt, transcript, deciding, onDecide }: TranscriptViewProps) {
  return (
    <>
      {prompt !== null && (
        <div className="message message-user">
          <span className="who">You</span>
          <p>{prompt}</p>
        </div>
      )}
      {transcript.items.map((item, index) =>
        item.kind === 'text' ? (
          <div className="message message-assistant" key={`text-${index}`}>
            <span className="who">Assistant</span>
            <p className="reply">{item.text}</p>
          </div>
        ) : (
          <ToolCall key={item.proposalId} call={item} deciding={deciding} onDecide={onDecide} />
        ),
      )}
      {transcript.status && transcript.status.kind !== 'in_progress' && transcript.status.kind !== 'accepted' && (
        <p className={`run-status run-status-${transcript.status.kind}`} role="status">
          Run {transcript.status.kind === 'done' ? 'done' : `failed: ${transcript.status.message}`}
        </p>
      )}
    </>
  );
}

function ToolCall({ call, deciding, onDecide }: { call: ToolCallView; deciding: boolean; onDecide: TranscriptViewProps['onDecide'] }) {
  const approval = call.approval;
  return (
    <div className="tool-call">
      <div className="tool-head">
        <span className="badge">tool</span> <code>{call.toolName}</code>
        {call.decision && <span className="muted"> — {call.decision}</span>}
      </div>
      <JsonView label="Input" text={call.inputJson} />
      {approval && approval.approved === null && (
        <ApprovalCard title={approval.title} summary={approval.summary} busy={deciding} onDecide={(decision) => onDecide(approval.approvalId, decision)} />
      )}
      {approval && approval.approved !== null && (
        <p className={approval.approved ? 'ok' : 'bad'}>
          {approval.approved ? 'Approved' : 'Denied'}
          {approval.scope ? ` (${approval.scope})` : ''}
          {approval.reason ? `: ${approval.reason}` : ''}
        </p>
      )}
      {call.result && (
        <>
          <p className={call.result.success ? 'ok' : 'bad'}>{call.result.success ? 'Result' : `Failed: ${call.result.error}`}</p>
          {call.result.success && <JsonView label="Output" text={call.result.outputJson} open />}
        </>
      )}
    </div>
  );
}
