// Runs between proto and core: run events → RunStreamEvent, run records → RunSummary, stream requests → inputs.
import type { ApprovalAnswer } from '../../../core/runs/active-run.js';
import type { RunState as CoreRunState } from '../../../core/runs/run-state.js';
import type { RunRecord } from '../../../core/runs/store.js';
import type { RunEvent } from '../../../core/events/run-event.js';
import { CoreError } from '../../../core/errors.js';
import {
  type ApprovalPrompt,
  ApprovalRiskLevel,
  type RunStreamEvent,
  type RunStreamRequest,
  StreamStatus_StatusKind,
  ToolDecisionKind,
} from '../../../gen/palyra/common/v1/common.js';
import { RunState, type RunSummary } from '../../../gen/palyra/gateway/v1/gateway.js';
import { scopeFromProto, scopeToProto } from './approvals.js';
import { optionalId, PROTOCOL_MAJOR, requiredId, toCanonicalId } from './ids.js';

const STATUS_KINDS: Record<string, StreamStatus_StatusKind> = {
  accepted: StreamStatus_StatusKind.STATUS_KIND_ACCEPTED,
  in_progress: StreamStatus_StatusKind.STATUS_KIND_IN_PROGRESS,
  done: StreamStatus_StatusKind.STATUS_KIND_DONE,
  failed: StreamStatus_StatusKind.STATUS_KIND_FAILED,
};

const RISK_LEVELS: Record<string, ApprovalRiskLevel> = {
  low: ApprovalRiskLevel.APPROVAL_RISK_LEVEL_LOW,
  medium: ApprovalRiskLevel.APPROVAL_RISK_LEVEL_MEDIUM,
  high: ApprovalRiskLevel.APPROVAL_RISK_LEVEL_HIGH,
  critical: ApprovalRiskLevel.APPROVAL_RISK_LEVEL_CRITICAL,
};

export const RUN_STATES = {
  accepted: RunState.RUN_STATE_ACCEPTED,
  in_progress: RunState.RUN_STATE_IN_PROGRESS,
  done: RunState.RUN_STATE_DONE,
  failed: RunState.RUN_STATE_FAILED,
  cancelled: RunState.RUN_STATE_CANCELLED,
} as const satisfies Record<CoreRunState, RunState>;

const CORE_RUN_STATES = new Map<RunState, CoreRunState>(Object.entries(RUN_STATES).map(([core, proto]) => [proto, core as CoreRunState]));

/** A ListRuns state filter; UNSPECIFIED entries are ignored. @throws CoreError `invalid_argument` for unknown values. */
export function runStatesFromProto(states: readonly RunState[]): CoreRunState[] {
  return states
    .filter((state) => state !== RunState.RUN_STATE_UNSPECIFIED)
    .map((state) => {
      const core = CORE_RUN_STATES.get(state);
      if (!core) throw new CoreError('invalid_argument', `unknown run state ${state} in states`);
      return core;
    });
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const bool = (value: unknown): boolean => value === true;
const json = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value ?? null));
const id = (value: unknown) => toCanonicalId(typeof value === 'string' ? value : undefined);

/** The wire form of a run event. Every tape type has one, so a stream's seq has no gaps. */
export function runEventToProto(event: RunEvent): RunStreamEvent {
  const p = event.payload;
  const head = { v: PROTOCOL_MAJOR, runId: { ulid: event.runId }, seq: event.seq };
  switch (event.type) {
    case 'status':
      return { ...head, body: { $case: 'status', value: { kind: STATUS_KINDS[str(p.kind)] ?? StreamStatus_StatusKind.STATUS_KIND_UNSPECIFIED, message: str(p.message) } } };
    case 'model_token':
      return { ...head, body: { $case: 'modelToken', value: { token: str(p.token), isFinal: bool(p.is_final) } } };
    case 'tool_proposal':
      return { ...head, body: { $case: 'toolProposal', value: { proposalId: id(p.proposal_id), toolName: str(p.tool_name), inputJson: json(p.input_json), approvalRequired: bool(p.approval_required) } } };
    case 'tool_approval_request':
      return {
        ...head,
        body: {
          $case: 'toolApprovalRequest',
          value: {
            proposalId: id(p.proposal_id),
            toolName: str(p.tool_name),
            inputJson: json(p.input_json),
            approvalRequired: bool(p.approval_required),
            approvalId: id(p.approval_id),
            prompt: promptToProto(p.prompt),
            requestSummary: str(p.request_summary),
          },
        },
      };
    case 'tool_approval_response':
      return {
        ...head,
        body: {
          $case: 'toolApprovalResponse',
          value: {
            proposalId: id(p.proposal_id),
            approved: bool(p.approved),
            reason: str(p.reason),
            approvalId: id(p.approval_id),
            decisionScope: scopeToProto(str(p.decision_scope)),
            decisionScopeTtlMs: num(p.decision_scope_ttl_ms),
          },
        },
      };
    case 'tool_decision':
      return {
        ...head,
        body: {
          $case: 'toolDecision',
          value: {
            proposalId: id(p.proposal_id),
            kind: p.kind === 'allow' ? ToolDecisionKind.TOOL_DECISION_KIND_ALLOW : ToolDecisionKind.TOOL_DECISION_KIND_DENY,
            reason: str(p.reason),
            approvalRequired: bool(p.approval_required),
            policyEnforced: bool(p.policy_enforced),
          },
        },
      };
    case 'tool_result':
      return { ...head, body: { $case: 'toolResult', value: { proposalId: id(p.proposal_id), success: bool(p.success), outputJson: json(p.output_json), error: str(p.error) } } };
    case 'tool_attestation':
      return {
        ...head,
        body: {
          $case: 'toolAttestation',
          value: {
            proposalId: id(p.proposal_id),
            attestationId: id(p.attestation_id),
            executionSha256: str(p.execution_sha256),
            executedAtUnixMs: num(p.executed_at_unix_ms),
            timedOut: bool(p.timed_out),
            executor: str(p.executor),
          },
        },
      };
    case 'agent_loop.turn_started':
    case 'agent_loop.terminated':
    case 'message.replied':
      return { ...head, body: { $case: 'lifecycle', value: { kind: event.type, payloadJson: json(p) } } };
  }
}

function promptToProto(value: unknown): ApprovalPrompt | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const p = value as Record<string, unknown>;
  const options = Array.isArray(p.options) ? (p.options as Record<string, unknown>[]) : [];
  return {
    title: str(p.title),
    riskLevel: RISK_LEVELS[str(p.risk_level)] ?? ApprovalRiskLevel.APPROVAL_RISK_LEVEL_UNSPECIFIED,
    subjectId: str(p.subject_id),
    summary: str(p.summary),
    options: options.map((option) => ({
      optionId: str(option.option_id),
      label: str(option.label),
      description: str(option.description),
      defaultSelected: bool(option.default_selected),
      decisionScope: scopeToProto(str(option.decision_scope)),
      timeboxTtlMs: num(option.timebox_ttl_ms),
    })),
    timeoutSeconds: num(p.timeout_seconds),
    detailsJson: Buffer.alloc(0),
    policyExplanation: str(p.policy_explanation),
  };
}

/** A run record as RunSummary; `lastSeq` comes from the tape (-1 when empty). */
export function runToProto(record: RunRecord, lastSeq: number): RunSummary {
  return {
    runId: { ulid: record.runId },
    sessionId: { ulid: record.sessionId },
    state: RUN_STATES[record.state],
    principal: record.principal,
    deviceId: { ulid: record.deviceId },
    channel: record.channel ?? '',
    model: record.model,
    createdAtUnixMs: record.createdAtMs,
    updatedAtUnixMs: record.updatedAtMs,
    finishedAtUnixMs: record.finishedAtMs ?? 0,
    cancelRequested: record.cancelRequested,
    cancelReason: record.cancelReason ?? '',
    lastError: record.lastError ?? '',
    promptTokens: record.promptTokens,
    completionTokens: record.completionTokens,
    lastSeq,
  };
}

/** The identity and first turn of a RunStream, from its first message. */
export interface RunStreamOpen {
  runId: string;
  sessionId: string;
  sessionKey?: string;
  sessionLabel?: string;
  requireExisting: boolean;
  resetSession: boolean;
  prompt: string;
}

/** @throws `failed_precondition` (v), `invalid_argument` (ids, missing input text). */
export function parseOpenRequest(request: RunStreamRequest): RunStreamOpen {
  if (request.v !== PROTOCOL_MAJOR) throw new CoreError('failed_precondition', 'unsupported protocol major version');
  const sessionId = requiredId(request.sessionId, 'session_id');
  const runId = requiredId(request.runId, 'run_id');
  const prompt = request.input?.content?.text ?? '';
  if (prompt.trim() === '') throw new CoreError('invalid_argument', 'the first RunStream message needs input.content.text');
  return {
    runId,
    sessionId,
    ...(request.sessionKey ? { sessionKey: request.sessionKey } : {}),
    ...(request.sessionLabel ? { sessionLabel: request.sessionLabel } : {}),
    requireExisting: request.requireExisting,
    resetSession: request.resetSession,
    prompt,
  };
}

/** What a later message of the stream asks for. */
export interface RunStreamFollowUp {
  answer?: ApprovalAnswer;
  text?: string;
}

/**
 * Checks a follow-up message against the opened run: same protocol major, and the same run and
 * session when it names them. @throws `failed_precondition`, `invalid_argument`.
 */
export function parseFollowUp(request: RunStreamRequest, open: RunStreamOpen): RunStreamFollowUp {
  if (request.v !== PROTOCOL_MAJOR) throw new CoreError('failed_precondition', 'unsupported protocol major version');
  const runId = optionalId(request.runId, 'run_id');
  if (runId !== undefined && runId !== open.runId) throw new CoreError('invalid_argument', 'run stream cannot switch run_id mid-stream');
  const sessionId = optionalId(request.sessionId, 'session_id');
  if (sessionId !== undefined && sessionId !== open.sessionId) throw new CoreError('invalid_argument', 'run stream cannot switch session_id mid-stream');
  const result: RunStreamFollowUp = {};
  const response = request.toolApprovalResponse;
  if (response) {
    const approvalId = optionalId(response.approvalId, 'tool_approval_response.approval_id');
    const scope = scopeFromProto(response.decisionScope);
    result.answer = {
      proposalId: requiredId(response.proposalId, 'tool_approval_response.proposal_id'),
      ...(approvalId ? { approvalId } : {}),
      approved: response.approved,
      ...(response.reason ? { reason: response.reason } : {}),
      scope,
      ...(response.decisionScopeTtlMs > 0 ? { ttlMs: response.decisionScopeTtlMs } : {}),
    };
  }
  const text = request.input?.content?.text;
  if (text !== undefined && text.trim() !== '') result.text = text;
  return result;
}
