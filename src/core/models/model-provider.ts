// The contract between the agent loop and a language model: one streamed turn at a time.

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's input object. */
  inputSchema: Record<string, unknown>;
}

export type ModelMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ModelToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ModelToolCall {
  /** The provider's own id for the call (e.g. `call_…`); the core mints its own proposal ULID. */
  providerCallId: string;
  name: string;
  /** Parsed JSON arguments, or `{ raw }` when the model produced text that is not a JSON object. */
  input: Record<string, unknown>;
}

export type ModelChunk =
  | { type: 'token'; text: string }
  | { type: 'tool_call'; call: ModelToolCall }
  | { type: 'finish'; reason: 'stop' | 'tool_calls' | 'length'; usage: { promptTokens: number; completionTokens: number } };

export interface ModelTurnRequest {
  messages: ModelMessage[];
  tools: readonly ToolSpec[];
  signal: AbortSignal;
}

/**
 * A model provider streams one turn: tokens and tool calls as they come, then exactly one `finish`.
 * Failures throw CoreError (`unavailable` for retryable upstream faults, `unauthenticated` for a
 * rejected key, `invalid_argument` for a refused request, `cancelled` when `signal` aborts).
 */
export interface ModelProvider {
  readonly name: string;
  streamTurn(request: ModelTurnRequest): AsyncIterable<ModelChunk>;
}
