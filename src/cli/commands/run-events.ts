// RunStreamEvent → the JSON object `palyra run --json` and `palyra runs watch --json` print, one per line.
import type { RunStreamEvent } from '../../gen/palyra/common/v1/common.js';

const STATUS = ['unspecified', 'accepted', 'in_progress', 'done', 'failed'];

export function eventToJson(event: RunStreamEvent): Record<string, unknown> {
  const base = { run_id: event.runId?.ulid ?? '', seq: event.seq };
  const body = event.body;
  if (!body) return { ...base, type: 'unknown' };
  switch (body.$case) {
    case 'status':
      return { ...base, type: 'status', kind: STATUS[body.value.kind] ?? 'unspecified', message: body.value.message };
    case 'modelToken':
      return { ...base, type: 'model_token', token: body.value.token, is_final: body.value.isFinal };
    case 'toolProposal':
      return { ...base, type: 'tool_proposal', proposal_id: body.value.proposalId?.ulid, tool_name: body.value.toolName, approval_required: body.value.approvalRequired };
    case 'toolApprovalRequest':
      return { ...base, type: 'tool_approval_request', proposal_id: body.value.proposalId?.ulid, approval_id: body.value.approvalId?.ulid, tool_name: body.value.toolName };
    case 'toolApprovalResponse':
      return { ...base, type: 'tool_approval_response', approval_id: body.value.approvalId?.ulid, approved: body.value.approved, reason: body.value.reason };
    case 'toolDecision':
      return { ...base, type: 'tool_decision', proposal_id: body.value.proposalId?.ulid, kind: body.value.kind === 1 ? 'allow' : 'deny', reason: body.value.reason };
    case 'toolResult':
      return { ...base, type: 'tool_result', proposal_id: body.value.proposalId?.ulid, success: body.value.success, output_json: body.value.outputJson.toString(), error: body.value.error };
    case 'toolAttestation':
      return { ...base, type: 'tool_attestation', proposal_id: body.value.proposalId?.ulid, execution_sha256: body.value.executionSha256 };
    case 'lifecycle':
      return { ...base, type: body.value.kind, payload: parsePayload(body.value.payloadJson) };
  }
}

function parsePayload(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes.toString('utf8');
  }
}
