// ToolFlow: one proposal's way through validation, policy, approval, execution, result and attestation.
import { createHash } from 'node:crypto';
import type { ApprovalService } from '../approvals/approvals.js';
import { CoreError, toCoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { ModelToolCall } from '../models/model-provider.js';
import { type ToolPolicy, toolSubjectId } from '../tools/policy.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ToolOutcome } from '../tools/tool.js';
import type { ActiveRun } from './active-run.js';

export interface ToolFlowDeps {
  registry: ToolRegistry;
  policy: ToolPolicy;
  approvals: ApprovalService;
  now: () => number;
}

interface Verdict {
  allowed: boolean;
  approvalRequired: boolean;
  reason: string;
}

/**
 * Runs one model tool call to completion and returns what goes back to the model. Emits, in order:
 * tool_proposal, [tool_approval_request], [tool_approval_response], tool_decision, tool_result,
 * tool_attestation. Every proposal gets a ULID we mint; the provider's call id stays internal.
 */
export async function runToolCall(deps: ToolFlowDeps, run: ActiveRun, call: ModelToolCall): Promise<ToolOutcome> {
  const proposalId = newId();
  const inputJson = JSON.stringify(call.input);
  const tool = deps.registry.get(call.name);
  const issues = tool ? deps.registry.validate(call.name, call.input) : [];
  let verdict: Verdict;
  if (!tool || issues.length > 0) {
    await run.emit('tool_proposal', { proposal_id: proposalId, tool_name: call.name, input_json: inputJson, approval_required: false });
    const reason = tool
      ? `invalid_input: ${issues.map((issue) => `${issue.path || '/'} ${issue.message}`).join('; ')}`
      : `unknown_tool: ${call.name}`;
    verdict = { allowed: false, approvalRequired: false, reason };
  } else {
    const policy = deps.policy.decide(call.name);
    const approvalRequired = policy.decision === 'ask';
    await run.emit('tool_proposal', { proposal_id: proposalId, tool_name: call.name, input_json: inputJson, approval_required: approvalRequired });
    verdict =
      policy.decision === 'ask'
        ? await askApproval(deps, run, proposalId, call)
        : { allowed: policy.decision === 'allow', approvalRequired: false, reason: policy.reason };
  }
  await run.emit('tool_decision', {
    proposal_id: proposalId,
    tool_name: call.name,
    kind: verdict.allowed ? 'allow' : 'deny',
    reason: verdict.reason,
    approval_required: verdict.approvalRequired,
    policy_enforced: true,
  });
  const started = deps.now();
  const outcome: ToolOutcome = verdict.allowed && tool
    ? await executeTool(run, tool, call.input)
    : { success: false, output: null, error: `denied: ${verdict.reason}` };
  run.signal.throwIfAborted();
  const outputJson = JSON.stringify(outcome.output ?? null);
  await run.emit('tool_result', { proposal_id: proposalId, success: outcome.success, output_json: outputJson, error: outcome.error ?? '' });
  await run.emit('tool_attestation', {
    proposal_id: proposalId,
    attestation_id: newId(),
    execution_sha256: createHash('sha256').update(`${call.name}\n${inputJson}\n${outputJson}\n${outcome.error ?? ''}`).digest('hex'),
    executed_at_unix_ms: started,
    timed_out: outcome.error === 'timed out',
    executor: verdict.allowed ? 'palyrad' : 'none',
  });
  return outcome;
}

async function askApproval(deps: ToolFlowDeps, run: ActiveRun, proposalId: string, call: ModelToolCall): Promise<Verdict> {
  const subject = deps.registry.get(call.name)?.approvalSubject?.(call.input, { sessionId: run.sessionId }) ?? { type: 'tool' as const, id: toolSubjectId(call.name) };
  const subjectId = subject.id;
  const cached = deps.approvals.cached(run.owner, run.sessionId, subjectId);
  if (cached) {
    await run.emit('tool_approval_response', {
      proposal_id: proposalId,
      approval_id: cached.approvalId,
      approved: cached.approved,
      reason: `cached: ${cached.reason}`,
      decision_scope: cached.scope,
      decision_scope_ttl_ms: cached.ttlMs ?? 0,
    });
    return { allowed: cached.approved, approvalRequired: true, reason: cached.approved ? 'approved (remembered)' : 'denied (remembered)' };
  }
  const summary = `${call.name} ${truncate(JSON.stringify(call.input), 200)}`;
  const { record, decision } = await deps.approvals.request(
    {
      owner: run.owner,
      runId: run.runId,
      sessionId: run.sessionId,
      proposalId,
      subjectType: subject.type,
      subjectId,
      toolName: call.name,
      input: call.input,
      summary,
    },
    run.signal,
  );
  run.pendingApprovals.set(proposalId, record.approvalId);
  await run.emit('tool_approval_request', {
    proposal_id: proposalId,
    approval_id: record.approvalId,
    tool_name: call.name,
    input_json: JSON.stringify(call.input),
    approval_required: true,
    request_summary: summary,
    prompt: {
      title: `Allow ${call.name}?`,
      risk_level: deps.registry.get(call.name)?.alwaysAsk ? 'high' : 'medium',
      subject_id: subjectId,
      summary,
      timeout_seconds: Math.ceil((record.expiresAtMs - record.requestedAtMs) / 1000),
      options: [
        { option_id: 'allow_once', label: 'Allow once', decision_scope: 'once' },
        { option_id: 'allow_session', label: 'Allow for this session', decision_scope: 'session' },
        { option_id: 'deny_once', label: 'Deny', decision_scope: 'once' },
      ],
    },
  });
  const resolved = await decision;
  run.pendingApprovals.delete(proposalId);
  run.signal.throwIfAborted();
  await run.emit('tool_approval_response', {
    proposal_id: proposalId,
    approval_id: resolved.approvalId,
    approved: resolved.approved,
    reason: resolved.reason,
    decision_scope: resolved.scope,
    decision_scope_ttl_ms: resolved.ttlMs ?? 0,
  });
  return { allowed: resolved.approved, approvalRequired: true, reason: resolved.reason };
}

async function executeTool(run: ActiveRun, tool: NonNullable<ReturnType<ToolRegistry['get']>>, input: Record<string, unknown>): Promise<ToolOutcome> {
  const timeout = AbortSignal.timeout(tool.timeoutMs);
  const signal = AbortSignal.any([run.signal, timeout]);
  try {
    const outcome = await tool.execute(input, { runId: run.runId, sessionId: run.sessionId, owner: run.owner, signal });
    if (timeout.aborted && !run.signal.aborted) return { success: false, output: null, error: 'timed out' };
    return outcome;
  } catch (error) {
    run.signal.throwIfAborted();
    if (timeout.aborted) return { success: false, output: null, error: 'timed out' };
    const coreError = toCoreError(error);
    if (coreError.code === 'internal') throw new CoreError('internal', `tool ${tool.name} failed unexpectedly`, { cause: error });
    return { success: false, output: null, error: coreError.message };
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
