// The built-in model: deterministic, keyless, scripted by directives in the last user message.
import { setTimeout as delay } from 'node:timers/promises';
import { CoreError } from '../../core/errors.js';
import type { ModelChunk, ModelMessage, ModelProvider, ModelToolCall, ModelTurnRequest } from '../../core/models/model-provider.js';
import { parseBuiltinScript, type BuiltinScript, type ScriptedToolCall } from './builtin-script.js';

export interface BuiltinModelOptions {
  /** Delay before each streamed token, in ms (default 0); `@slow <ms>` overrides it per message. */
  tokenDelayMs?: number;
}

/** What one turn will stream: text, then tool calls, then a finish (or a thrown failure). */
interface TurnPlan {
  text: string;
  calls: ScriptedToolCall[];
  reason: 'stop' | 'tool_calls' | 'length';
  failure: CoreError | null;
}

/**
 * A model that needs no key and answers from the last user message (syntax: docs/builtin-model.md).
 * Text streams one word per `token` chunk, whitespace kept, so the chunks concatenate to the reply.
 * Usage: `promptTokens` = whitespace-separated words in all messages, `completionTokens` = tokens emitted.
 * @throws CoreError `cancelled` when the signal aborts, `invalid_argument` for a malformed directive,
 *   or the code a `@fail` line names.
 */
export function createBuiltinModel(options: BuiltinModelOptions = {}): ModelProvider {
  const defaultDelayMs = options.tokenDelayMs ?? 0;
  return {
    name: 'builtin',
    streamTurn: (request) => streamBuiltinTurn(request, defaultDelayMs),
  };
}

async function* streamBuiltinTurn(request: ModelTurnRequest, defaultDelayMs: number): AsyncGenerator<ModelChunk> {
  const { messages, signal } = request;
  throwIfAborted(signal);
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  const script = parseBuiltinScript(lastUser >= 0 ? messages[lastUser]!.content : '');
  const plan = planTurn(script, request, messages.slice(lastUser + 1));
  const delayMs = script.slowMs ?? defaultDelayMs;

  let completionTokens = 0;
  for (const text of splitIntoTokens(plan.text)) {
    if (delayMs > 0) await pause(delayMs, signal);
    throwIfAborted(signal);
    yield { type: 'token', text };
    completionTokens += 1;
  }
  throwIfAborted(signal);
  if (plan.failure) throw plan.failure;
  const firstCallNumber = countToolCalls(messages) + 1;
  for (const [index, call] of plan.calls.entries()) {
    const modelCall: ModelToolCall = { providerCallId: `builtin-call-${firstCallNumber + index}`, name: call.name, input: call.input };
    yield { type: 'tool_call', call: modelCall };
    throwIfAborted(signal);
  }
  yield { type: 'finish', reason: plan.reason, usage: { promptTokens: countPromptWords(messages), completionTokens } };
}

function planTurn(script: BuiltinScript, request: ModelTurnRequest, sinceUser: ModelMessage[]): TurnPlan {
  const generated = script.tokens === null ? null : generateTokens(script.tokens);
  const finish = (reason: 'stop' | 'tool_calls'): TurnPlan['reason'] => (script.length ? 'length' : reason);
  if (script.fail) {
    const failure = new CoreError(script.fail.code, script.fail.message);
    return { text: generated ?? '', calls: [], reason: 'stop', failure };
  }
  if (script.loop) {
    const name = script.loop.name ?? request.tools[0]?.name;
    if (name === undefined) throw new CoreError('invalid_argument', 'builtin model: @loop names no tool and none is offered');
    return { text: generated ?? '', calls: [{ name, input: script.loop.input }], reason: finish('tool_calls'), failure: null };
  }
  const results = sinceUser.filter((message) => message.role === 'tool');
  if (script.toolCalls.length > 0 && results.length === 0) {
    const text = generated ?? (script.text === '' ? '' : `You said: ${script.text}`);
    return { text, calls: script.toolCalls, reason: finish('tool_calls'), failure: null };
  }
  if (script.toolCalls.length > 0) {
    const names = toolNamesByCallId(request.messages);
    const summary = results.map((result) => `Tool ${names.get(result.toolCallId) ?? result.toolCallId} returned: ${result.content}`);
    return { text: generated ?? summary.join('\n'), calls: [], reason: finish('stop'), failure: null };
  }
  return { text: generated ?? `You said: ${script.text}`, calls: [], reason: finish('stop'), failure: null };
}

/** Splits text into words, each carrying the whitespace before it; trailing whitespace joins the last word. */
export function splitIntoTokens(text: string): string[] {
  const tokens = text.match(/\s*\S+/g) ?? [];
  const consumed = tokens.reduce((length, token) => length + token.length, 0);
  if (tokens.length > 0 && consumed < text.length) tokens[tokens.length - 1] += text.slice(consumed);
  return tokens;
}

function generateTokens(count: number): string {
  return Array.from({ length: count }, (_, index) => `t${index + 1}`).join(' ');
}

function countPromptWords(messages: ModelMessage[]): number {
  return messages.reduce((total, message) => total + (message.content.match(/\S+/g)?.length ?? 0), 0);
}

function countToolCalls(messages: ModelMessage[]): number {
  return messages.reduce((total, message) => total + (message.role === 'assistant' ? (message.toolCalls?.length ?? 0) : 0), 0);
}

function toolNamesByCallId(messages: ModelMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.toolCalls ?? []) names.set(call.providerCallId, call.name);
  }
  return names;
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (signal.aborted) throw cancelled();
    throw error;
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw cancelled();
}

function cancelled(): CoreError {
  return new CoreError('cancelled', 'model turn cancelled');
}
