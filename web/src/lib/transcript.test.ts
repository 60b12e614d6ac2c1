// buildTranscript: tokens join into one reply, a tool call collects its approval, decision and result.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/types';
import { buildTranscript } from './transcript';

let seq = 0;
const event = (event_type: RunEvent['event_type'], payload: Record<string, unknown>): RunEvent => ({ seq: seq++, event_type, payload, created_at_unix_ms: 1 });

describe('buildTranscript', () => {
  it('model tokens in order → one assistant text with every token once', () => {
    const transcript = buildTranscript([event('model_token', { token: 'You' }), event('model_token', { token: ' said' }), event('model_token', { token: '', is_final: true })]);
    expect(transcript.items).toEqual([{ kind: 'text', text: 'You said' }]);
    expect(transcript.tokenCount).toBe(2);
  });

  it('proposal, approval request, response, decision, result → one tool item holding all of them', () => {
    const transcript = buildTranscript([
      event('tool_proposal', { proposal_id: 'P', tool_name: 'palyra.process.run', input_json: '{"command":"echo"}' }),
      event('tool_approval_request', { proposal_id: 'P', approval_id: 'A', request_summary: 'run echo', prompt: { title: 'Allow it?' } }),
      event('tool_approval_response', { proposal_id: 'P', approval_id: 'A', approved: true, reason: 'fine', decision_scope: 'session' }),
      event('tool_decision', { proposal_id: 'P', kind: 'allow', reason: 'approved' }),
      event('tool_result', { proposal_id: 'P', success: true, output_json: '{"stdout":"hi"}', error: '' }),
      event('status', { kind: 'done', message: 'completed' }),
    ]);
    expect(transcript.items).toEqual([
      {
        kind: 'tool',
        proposalId: 'P',
        toolName: 'palyra.process.run',
        inputJson: '{"command":"echo"}',
        approval: { approvalId: 'A', title: 'Allow it?', summary: 'run echo', approved: true, reason: 'fine', scope: 'session' },
        decision: 'allowed: approved',
        result: { success: true, outputJson: '{"stdout":"hi"}', error: '' },
      },
    ]);
    expect(transcript.status).toEqual({ kind: 'done', message: 'completed' });
  });

  it('an approval request without a response → pending (approved null)', () => {
    const transcript = buildTranscript([
      event('tool_proposal', { proposal_id: 'Q', tool_name: 't', input_json: '{}' }),
      event('tool_approval_request', { proposal_id: 'Q', approval_id: 'B', request_summary: 's' }),
    ]);
    const item = transcript.items[0];
    expect(item?.kind === 'tool' && item.approval?.approved).toBeNull();
  });
});
