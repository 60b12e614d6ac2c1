// An OpenAI-compatible chat-completions provider: one streamed POST /chat/completions per model turn.
import { CoreError } from '../../core/errors.js';
import type { ModelChunk, ModelProvider, ModelTurnRequest } from '../../core/models/model-provider.js';
import { WireToolNames } from './openai-tool-names.js';
import { buildChatRequestBody, ChatStreamAssembler } from './openai-wire.js';
import { SseDecoder } from './sse-decoder.js';

export interface OpenAiChatModelOptions {
  /** Base of the API, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer <key>`; omitted when empty (local servers often need none). */
  apiKey?: string;
  /** Longest wait for the response headers and for each next piece of the stream, in ms. */
  timeoutMs: number;
  /** Defaults to the global fetch (undici). */
  fetch?: typeof fetch;
}

/**
 * Creates the provider. Errors map as: HTTP 401/403 → `unauthenticated`; 408, 409, 429, 5xx, network
 * failures and malformed streams → `unavailable`; other 4xx → `invalid_argument` with the provider's
 * message; no progress within `timeoutMs` → `deadline_exceeded`; the request signal → `cancelled`.
 * The API key never appears in an error message, its details or its cause.
 * @throws CoreError `invalid_argument` when `baseUrl` is not an http(s) URL or `timeoutMs` is not positive.
 */
export function createOpenAiChatModel(options: OpenAiChatModelOptions): ModelProvider {
  const base = options.baseUrl.replace(/\/+$/, '');
  if (!/^https?:$/.test(safeProtocol(base))) throw new CoreError('invalid_argument', 'model base_url must be an http(s) URL');
  if (!(options.timeoutMs > 0)) throw new CoreError('invalid_argument', 'model timeout must be a positive number of ms');
  const settings: TurnSettings = {
    url: `${base}/chat/completions`,
    model: options.model,
    apiKey: options.apiKey ?? '',
    timeoutMs: options.timeoutMs,
    fetch: options.fetch ?? fetch,
  };
  return { name: `openai:${options.model}`, streamTurn: (request) => streamChatTurn(settings, request) };
}

interface TurnSettings {
  url: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

async function* streamChatTurn(settings: TurnSettings, request: ModelTurnRequest): AsyncGenerator<ModelChunk> {
  if (request.signal.aborted) throw cancelled();
  const upstream = new AbortController();
  const abortUpstream = (): void => upstream.abort();
  request.signal.addEventListener('abort', abortUpstream, { once: true });
  const stall = new StallTimer(settings.timeoutMs, abortUpstream);
  try {
    const toolNames = new WireToolNames(request.tools);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (settings.apiKey !== '') headers.authorization = `Bearer ${settings.apiKey}`;
    const response = await stall.watch(() =>
      settings.fetch(settings.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(buildChatRequestBody(settings.model, request)),
        signal: upstream.signal,
      }),
    );
    if (!response.ok) throw await statusError(response, stall);
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream') || response.body === null) {
      throw new CoreError('unavailable', `model provider answered with ${contentType || 'no content type'}, expected text/event-stream`);
    }
    const reader = response.body.getReader();
    const text = new TextDecoder();
    const sse = new SseDecoder();
    const assembler = new ChatStreamAssembler(toolNames);
    let sawDone = false;
    while (!sawDone) {
      if (request.signal.aborted) throw cancelled();
      const { done, value } = await stall.watch(() => reader.read());
      const payloads = done ? [...sse.push(text.decode()), ...sse.end()] : sse.push(text.decode(value, { stream: true }));
      for (const payload of payloads) {
        if (payload === '[DONE]') {
          sawDone = true;
          break;
        }
        for (const piece of assembler.accept(parseEvent(payload))) yield { type: 'token', text: piece };
      }
      if (done) break;
    }
    if (!sawDone && !assembler.hasFinished) throw new CoreError('unavailable', 'model provider stream ended before the turn finished');
    const { calls, finish } = assembler.result();
    for (const call of calls) yield { type: 'tool_call', call };
    yield finish;
  } catch (error) {
    throw toProviderError(error, request.signal, stall.hasFired, settings.apiKey);
  } finally {
    stall.stop();
    request.signal.removeEventListener('abort', abortUpstream);
    // Releases the connection when the consumer stopped early; a no-op after a complete stream.
    upstream.abort();
  }
}

/** Fires once when a watched step takes longer than `timeoutMs`; idle time between steps is not counted. */
class StallTimer {
  private timer: NodeJS.Timeout | undefined;
  hasFired = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly onStall: () => void,
  ) {}

  async watch<T>(step: () => Promise<T>): Promise<T> {
    this.timer = setTimeout(() => {
      this.hasFired = true;
      this.onStall();
    }, this.timeoutMs);
    try {
      return await step();
    } finally {
      this.stop();
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

function parseEvent(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    throw new CoreError('unavailable', `model provider sent a malformed stream event (not JSON): ${JSON.stringify(payload.slice(0, 80))}`);
  }
}

async function statusError(response: Response, stall: StallTimer): Promise<CoreError> {
  const status = response.status;
  const details = { httpStatus: status };
  if (status === 401 || status === 403) {
    // The body often quotes the key back (masked or not), so it is not read at all.
    return new CoreError('unauthenticated', `model provider rejected the API key (HTTP ${status})`, { details });
  }
  const body = await stall.watch(() => response.text()).catch(() => '');
  const reason = providerMessage(body);
  const suffix = reason === '' ? '' : `: ${reason}`;
  if (status === 408 || status === 409 || status === 429 || status >= 500) {
    return new CoreError('unavailable', `model provider is unavailable (HTTP ${status})${suffix}`, { details });
  }
  if (status >= 400) return new CoreError('invalid_argument', `model provider refused the request (HTTP ${status})${suffix}`, { details });
  return new CoreError('unavailable', `model provider answered with unexpected HTTP ${status}`, { details });
}

function providerMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const error = parsed.error;
    if (typeof error === 'string') return error.slice(0, 500);
    if (typeof error?.message === 'string') return error.message.slice(0, 500);
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 500);
  } catch {
    // not JSON: the trimmed text is the message
  }
  return body.trim().slice(0, 500);
}

function toProviderError(error: unknown, signal: AbortSignal, timedOut: boolean, apiKey: string): CoreError {
  if (signal.aborted) return cancelled();
  if (timedOut) return new CoreError('deadline_exceeded', 'model provider did not respond in time');
  if (error instanceof CoreError) return withoutKey(error, apiKey);
  return new CoreError('unavailable', 'model provider unreachable or the connection failed', { cause: error });
}

/** Removes the key from a message that quotes provider text (a provider may echo what it was sent). */
function withoutKey(error: CoreError, apiKey: string): CoreError {
  if (apiKey === '' || !error.message.includes(apiKey)) return error;
  return new CoreError(error.code, error.message.replaceAll(apiKey, '[redacted]'), { details: error.details });
}

function cancelled(): CoreError {
  return new CoreError('cancelled', 'model turn cancelled');
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}
