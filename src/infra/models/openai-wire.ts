// The OpenAI chat-completions wire format: the request body we send and the stream chunks we assemble.
import { CoreError } from '../../core/errors.js';
import type { ModelChunk, ModelMessage, ModelToolCall, ModelTurnRequest } from '../../core/models/model-provider.js';
import { toWireToolName, type WireToolNames } from './openai-tool-names.js';
import { parseToolArguments } from './tool-arguments.js';

type FinishChunk = Extract<ModelChunk, { type: 'finish' }>;

/** The JSON body of `POST /chat/completions` for one streamed turn; tool names go out as wire names. */
export function buildChatRequestBody(model: string, request: Pick<ModelTurnRequest, 'messages' | 'tools'>): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    stream: true,
    stream_options: { include_usage: true },
    messages: request.messages.map(toWireMessage),
  };
  // OpenAI refuses an empty `tools` array, so a turn without tools omits the key.
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: toWireToolName(tool.name), description: tool.description, parameters: tool.inputSchema },
    }));
  }
  return body;
}

function toWireMessage(message: ModelMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content === '' ? null : message.content,
        tool_calls: calls.map((call) => ({
          id: call.providerCallId,
          type: 'function',
          function: { name: toWireToolName(call.name), arguments: JSON.stringify(call.input) },
        })),
      };
    }
  }
}

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Assembles one streamed completion: `accept` takes each parsed `data` event and returns its text
 * deltas; `result` gives the tool calls (fragments joined by `index`, names mapped back from the wire
 * by `toolNames`), the finish reason and usage.
 */
export class ChatStreamAssembler {
  private readonly calls = new Map<number, PendingCall>();
  private finishReason: string | null = null;
  private usage = { promptTokens: 0, completionTokens: 0 };

  constructor(private readonly toolNames: WireToolNames) {}

  /** True once a choice carried a `finish_reason`. */
  get hasFinished(): boolean {
    return this.finishReason !== null;
  }

  /** @throws CoreError `unavailable` when the event is an upstream error object. */
  accept(event: unknown): string[] {
    const chunk = asRecord(event);
    if (chunk.error !== undefined && chunk.error !== null) {
      const error = asRecord(chunk.error);
      const detail = typeof error.message === 'string' ? error.message : 'no message';
      throw new CoreError('unavailable', `model provider reported an error mid-stream: ${detail}`);
    }
    const usage = asRecord(chunk.usage);
    if (typeof usage.prompt_tokens === 'number') this.usage.promptTokens = usage.prompt_tokens;
    if (typeof usage.completion_tokens === 'number') this.usage.completionTokens = usage.completion_tokens;
    const choice = asRecord(Array.isArray(chunk.choices) ? chunk.choices[0] : undefined);
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    const delta = asRecord(choice.delta);
    if (Array.isArray(delta.tool_calls)) {
      for (const fragment of delta.tool_calls) this.acceptToolFragment(asRecord(fragment));
    }
    return typeof delta.content === 'string' && delta.content !== '' ? [delta.content] : [];
  }

  /** @throws CoreError `unavailable` when a tool call never got a function name. */
  result(): { calls: ModelToolCall[]; finish: FinishChunk } {
    const calls = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, pending]): ModelToolCall => {
        if (pending.name === '') throw new CoreError('unavailable', `model provider sent tool call ${index} without a function name`);
        return { providerCallId: pending.id || `call-${index}`, name: this.toolNames.fromWire(pending.name), input: parseToolArguments(pending.arguments) };
      });
    // Some compatible servers end a tool-calling turn with `stop`; the calls themselves are what count.
    const reason = this.finishReason === 'length' ? 'length' : calls.length > 0 ? 'tool_calls' : 'stop';
    return { calls, finish: { type: 'finish', reason, usage: { ...this.usage } } };
  }

  private acceptToolFragment(fragment: Record<string, unknown>): void {
    const index = typeof fragment.index === 'number' ? fragment.index : 0;
    const pending = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
    this.calls.set(index, pending);
    const fn = asRecord(fragment.function);
    // The first id and name win: some servers repeat them on every fragment.
    if (pending.id === '' && typeof fragment.id === 'string') pending.id = fragment.id;
    if (pending.name === '' && typeof fn.name === 'string') pending.name = fn.name;
    if (typeof fn.arguments === 'string') pending.arguments += fn.arguments;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
