// A local HTTP server speaking the OpenAI chat-completions SSE wire format, replaying scripted replies.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply; each request takes the next one in order. */
export type FakeReply =
  /** `200 text/event-stream`, writing each frame as-is (see `sse`), `delayMs` apart, then ending unless `hangAfter`. */
  | { kind: 'stream'; frames: string[]; delayMs?: number; hangAfter?: boolean }
  /** A status with a body (JSON-encoded unless a string). */
  | { kind: 'status'; status: number; body: unknown; contentType?: string }
  /** Accepts the request and never answers. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (or the raw text when it is not JSON). */
  body: unknown;
}

export interface FakeOpenAiServer {
  /** `http://127.0.0.1:<port>/v1`, ready for `baseUrl`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Queues replies for the next requests; a request with none queued gets a 500. */
  enqueue(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

/** Starts the server on an ephemeral loopback port. */
export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: parseJson(text) });
      const reply = queue.shift() ?? { kind: 'status', status: 500, body: { error: { message: 'no scripted reply' } } };
      play(reply, res, timers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function play(reply: FakeReply, res: ServerResponse, timers: Set<NodeJS.Timeout>): void {
  if (reply.kind === 'hang') return;
  if (reply.kind === 'status') {
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const frames = [...reply.frames];
  const writeNext = (): void => {
    if (res.destroyed) return;
    const frame = frames.shift();
    if (frame === undefined) {
      if (!reply.hangAfter) res.end();
      return;
    }
    res.write(frame);
    const timer = setTimeout(() => {
      timers.delete(timer);
      writeNext();
    }, reply.delayMs ?? 0);
    timers.add(timer);
  };
  writeNext();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One SSE event carrying `data` (an object is JSON-encoded). */
export function sse(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** The terminating event OpenAI sends last. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** A `chat.completion.chunk` with one choice holding `delta` (and optionally a finish reason). */
export function chunk(delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'fake-model',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** The usage-only chunk sent when `stream_options.include_usage` is set (empty `choices`). */
export function usageChunk(promptTokens: number, completionTokens: number): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'fake-model',
    choices: [],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** A complete text reply as OpenAI streams it: role chunk, one chunk per piece, finish, usage, `[DONE]`. */
export function textReply(pieces: string[], usage = { prompt: 7, completion: pieces.length }): FakeReply {
  return {
    kind: 'stream',
    frames: [
      sse(chunk({ role: 'assistant', content: '' })),
      ...pieces.map((content) => sse(chunk({ content }))),
      sse(chunk({}, 'stop')),
      sse(usageChunk(usage.prompt, usage.completion)),
      SSE_DONE,
    ],
  };
}

export interface FakeToolCall {
  id: string;
  name: string;
  /** The arguments text, streamed in pieces of `pieceLength` characters. */
  arguments: string;
}

/**
 * A tool-calling reply as OpenAI streams it: the first fragment of each call carries `index`, `id`,
 * `type` and the name with empty arguments; later fragments carry only `index` and an arguments piece.
 * With `interleave`, the argument fragments of the calls alternate.
 */
export function toolCallReply(calls: FakeToolCall[], options: { pieceLength?: number; interleave?: boolean } = {}): FakeReply {
  const pieceLength = options.pieceLength ?? 4;
  const heads = calls.map((call, index) =>
    sse(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] })),
  );
  const pieces = calls.map((call, index) =>
    splitEvery(call.arguments, pieceLength).map((part) => sse(chunk({ tool_calls: [{ index, function: { arguments: part } }] }))),
  );
  const body = options.interleave
    ? [...heads, ...interleave(pieces)]
    : calls.flatMap((_, index) => [heads[index] as string, ...(pieces[index] as string[])]);
  return {
    kind: 'stream',
    frames: [
      sse(chunk({ role: 'assistant', content: null })),
      ...body,
      sse(chunk({}, 'tool_calls')),
      sse(usageChunk(11, 5)),
      SSE_DONE,
    ],
  };
}

function splitEvery(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += size) parts.push(text.slice(start, start + size));
  return parts;
}

function interleave(lists: string[][]): string[] {
  const out: string[] = [];
  for (let row = 0; row < Math.max(0, ...lists.map((list) => list.length)); row += 1) {
    for (const list of lists) if (row < list.length) out.push(list[row] as string);
  }
  return out;
}
