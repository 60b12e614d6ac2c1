// The agent loop of one user turn: model turn → streamed tokens → tool calls → results → next turn.
import { CoreError } from '../errors.js';
import type { ModelProvider, ModelToolCall } from '../models/model-provider.js';
import type { ActiveRun } from './active-run.js';
import type { RunLimits } from './run-limits.js';
import { runToolCall, type ToolFlowDeps } from './tool-flow.js';

/** Tool results handed back to the model are cut to this many characters. */
const MAX_TOOL_RESULT_CHARS = 16_384;

export interface AgentLoopDeps extends ToolFlowDeps {
  model: ModelProvider;
  limits: RunLimits;
}

/**
 * Answers one user turn, calling the model until it gives a final answer.
 * @throws CoreError `resource_exhausted` when the turn or tool-call budget is spent, the model's own
 *   errors, or the abort reason of `run.signal` (cancellation, wall clock).
 */
export async function runAgentTurn(deps: AgentLoopDeps, run: ActiveRun, text: string): Promise<void> {
  run.messages.push({ role: 'user', content: text });
  for (let turn = 1; turn <= deps.limits.maxTurns; turn += 1) {
    run.signal.throwIfAborted();
    await run.emit('agent_loop.turn_started', { turn });
    let reply = '';
    const calls: ModelToolCall[] = [];
    let finishReason = 'stop';
    for await (const chunk of deps.model.streamTurn({ messages: run.messages, tools: deps.registry.specs(), signal: run.signal })) {
      run.signal.throwIfAborted();
      if (chunk.type === 'token') {
        if (chunk.text === '') continue;
        reply += chunk.text;
        await run.stream('model_token', { token: chunk.text, is_final: false });
      } else if (chunk.type === 'tool_call') {
        calls.push(chunk.call);
      } else {
        finishReason = chunk.reason;
        run.promptTokens += chunk.usage.promptTokens;
        run.completionTokens += chunk.usage.completionTokens;
      }
    }
    if (reply !== '') await run.emit('model_token', { token: '', is_final: true });
    run.messages.push({ role: 'assistant', content: reply, ...(calls.length > 0 ? { toolCalls: calls } : {}) });
    if (calls.length === 0) {
      await run.emit('message.replied', { reply_text: reply });
      await run.emit('agent_loop.terminated', { termination_reason: 'final_answer', turns: turn, finish_reason: finishReason });
      // Tells interactive clients the answer is complete and the run waits for the next input.
      await run.emit('status', { kind: 'in_progress', message: 'turn_completed' });
      return;
    }
    for (const call of calls) {
      run.toolCalls += 1;
      if (run.toolCalls > deps.limits.maxToolCalls) {
        await run.emit('agent_loop.terminated', { termination_reason: 'max_tool_calls', turns: turn });
        throw new CoreError('resource_exhausted', `agent loop tool call budget (${deps.limits.maxToolCalls}) exhausted`, {
          details: { reason: 'max_tool_calls' },
        });
      }
      const outcome = await runToolCall(deps, run, call);
      const content = outcome.success ? JSON.stringify(outcome.output ?? null) : `error: ${outcome.error ?? 'failed'}`;
      run.messages.push({ role: 'tool', toolCallId: call.providerCallId, content: content.slice(0, MAX_TOOL_RESULT_CHARS) });
    }
  }
  await run.emit('agent_loop.terminated', { termination_reason: 'max_turns', turns: deps.limits.maxTurns });
  throw new CoreError('resource_exhausted', 'agent loop model turn limit reached', { details: { reason: 'max_turns' } });
}
