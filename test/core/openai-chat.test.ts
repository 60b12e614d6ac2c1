// The OpenAI-compatible provider against a real local server speaking the chat-completions SSE format.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import type { ModelChunk, ModelMessage, ModelProvider, ToolSpec } from '../../src/core/models/model-provider.js';
import { createOpenAiChatModel } from '../../src/infra/models/openai-chat.js';
import { SseDecoder } from '../../src/infra/models/sse-decoder.js';
import { chunk, sse, SSE_DONE, startFakeOpenAiServer, textReply, toolCallReply, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';

const API_KEY = 'sk-test-0123456789-SECRET';
const WEATHER: ToolSpec = { name: 'get_weather', description: 'weather by city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } };

let server: FakeOpenAiServer;
before(async () => {
  server = await startFakeOpenAiServer();
});
after(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

interface Turn {
  chunks: ModelChunk[];
  error: unknown;
}

function model(overrides: { timeoutMs?: number; baseUrl?: string } = {}): ModelProvider {
  return createOpenAiChatModel({ baseUrl: overrides.baseUrl ?? server.baseUrl, model: 'gpt-test', apiKey: API_KEY, timeoutMs: overrides.timeoutMs ?? 5_000 });
}

async function runTurn(provider: ModelProvider, options: { messages?: ModelMessage[]; tools?: ToolSpec[]; signal?: AbortSignal; onChunk?: (chunk: ModelChunk) => void } = {}): Promise<Turn> {
  const chunks: ModelChunk[] = [];
  try {
    const stream = provider.streamTurn({
      messages: options.messages ?? [{ role: 'user', content: 'hi' }],
      tools: options.tools ?? [],
      signal: options.signal ?? new AbortController().signal,
    });
    for await (const item of stream) {
      chunks.push(item);
      options.onChunk?.(item);
    }
    return { chunks, error: null };
  } catch (error) {
    return { chunks, error };
  }
}

const tokensOf = (turn: Turn): string[] => turn.chunks.flatMap((item) => (item.type === 'token' ? [item.text] : []));
const callsOf = (turn: Turn) => turn.chunks.flatMap((item) => (item.type === 'tool_call' ? [item.call] : []));
const finishOf = (turn: Turn) => turn.chunks.find((item): item is Extract<ModelChunk, { type: 'finish' }> => item.type === 'finish');

function assertFailure(turn: Turn, code: string): CoreError {
  assert.ok(turn.error instanceof CoreError, `expected a CoreError, got ${String(turn.error)}`);
  assert.equal(turn.error.code, code, turn.error.message);
  const exposed = `${turn.error.message} ${JSON.stringify(turn.error.details)} ${String(turn.error.cause ?? '')} ${turn.error.stack ?? ''}`;
  assert.ok(!exposed.includes(API_KEY), `the API key leaked: ${exposed}`);
  return turn.error;
}

describe('openai chat: successful turns', () => {
  test('text reply → one token per delta, finish stop, usage from the usage chunk', async () => {
    server.enqueue(textReply(['Hel', 'lo', ' there'], { prompt: 9, completion: 3 }));
    const turn = await runTurn(model());
    assert.equal(turn.error, null);
    assert.deepEqual(tokensOf(turn), ['Hel', 'lo', ' there']);
    assert.deepEqual(finishOf(turn), { type: 'finish', reason: 'stop', usage: { promptTokens: 9, completionTokens: 3 } });
  });

  test('request → POST /v1/chat/completions with bearer key, stream options, mapped messages and tools', async () => {
    server.enqueue(textReply(['ok']));
    const messages: ModelMessage[] = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', toolCalls: [{ providerCallId: 'call_1', name: 'get_weather', input: { city: 'Oslo' } }] },
      { role: 'tool', toolCallId: 'call_1', content: 'rain' },
      { role: 'assistant', content: 'It rains.' },
    ];
    await runTurn(model(), { messages, tools: [WEATHER] });
    const [request] = server.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/chat/completions');
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.match(request.headers['content-type'] ?? '', /application\/json/);
    assert.deepEqual(request.body, {
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'rain' },
        { role: 'assistant', content: 'It rains.' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'weather by city', parameters: WEATHER.inputSchema } }],
    });
  });

  test('no tools offered → `tools` omitted; no key → no authorization header', async () => {
    server.enqueue(textReply(['ok']));
    const keyless = createOpenAiChatModel({ baseUrl: `${server.baseUrl}/`, model: 'm', timeoutMs: 5_000 });
    assert.equal(keyless.name, 'openai:m');
    await runTurn(keyless);
    const [request] = server.requests;
    assert.equal(request?.url, '/v1/chat/completions');
    assert.equal(request?.headers.authorization, undefined);
    assert.equal((request?.body as Record<string, unknown>).tools, undefined);
  });

  test('tool call split across chunks → one tool_call with parsed input after the stream, finish tool_calls', async () => {
    server.enqueue(toolCallReply([{ id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' }], { pieceLength: 3 }));
    const turn = await runTurn(model(), { tools: [WEATHER] });
    assert.equal(turn.error, null);
    assert.deepEqual(callsOf(turn), [{ providerCallId: 'call_a', name: 'get_weather', input: { city: 'Paris', unit: 'c' } }]);
    assert.deepEqual(turn.chunks.map((item) => item.type), ['tool_call', 'finish']);
    assert.deepEqual(finishOf(turn), { type: 'finish', reason: 'tool_calls', usage: { promptTokens: 11, completionTokens: 5 } });
  });

  test('two calls with interleaved fragments → reassembled by index, in index order', async () => {
    server.enqueue(
      toolCallReply(
        [
          { id: 'call_1', name: 'get_weather', arguments: '{"city":"Rome"}' },
          { id: 'call_2', name: 'get_time', arguments: '{"zone":"UTC"}' },
        ],
        { pieceLength: 2, interleave: true },
      ),
    );
    const turn = await runTurn(model(), { tools: [WEATHER] });
    assert.deepEqual(callsOf(turn), [
      { providerCallId: 'call_1', name: 'get_weather', input: { city: 'Rome' } },
      { providerCallId: 'call_2', name: 'get_time', input: { zone: 'UTC' } },
    ]);
  });

  test('arguments that are not JSON → input { raw }; empty arguments → {}', async () => {
    server.enqueue(
      toolCallReply([
        { id: 'call_1', name: 'get_weather', arguments: '{"city": Par' },
        { id: 'call_2', name: 'get_time', arguments: '' },
      ]),
    );
    const turn = await runTurn(model());
    assert.deepEqual(callsOf(turn).map((call) => call.input), [{ raw: '{"city": Par' }, {}]);
  });

  test('finish_reason length → finish length', async () => {
    server.enqueue({ kind: 'stream', frames: [sse(chunk({ content: 'cut' })), sse(chunk({}, 'length')), SSE_DONE] });
    const turn = await runTurn(model());
    assert.equal(finishOf(turn)?.reason, 'length');
  });

  test('CRLF lines, comments and a stream without [DONE] after finish_reason → accepted', async () => {
    const frame = (data: unknown) => `: keep-alive\r\nevent: message\r\ndata: ${JSON.stringify(data)}\r\n\r\n`;
    server.enqueue({ kind: 'stream', frames: [frame(chunk({ content: 'a' })), frame(chunk({ content: 'b' }, 'stop'))] });
    const turn = await runTurn(model());
    assert.equal(turn.error, null);
    assert.deepEqual(tokensOf(turn), ['a', 'b']);
  });

  test('custom fetch option → used for the request', async () => {
    server.enqueue(textReply(['ok']));
    let calls = 0;
    const counted: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    await runTurn(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'm', apiKey: API_KEY, timeoutMs: 5_000, fetch: counted }));
    assert.equal(calls, 1);
  });
});

describe('openai chat: error mapping', () => {
  for (const status of [401, 403]) {
    test(`HTTP ${status} quoting the key → unauthenticated, key not in the error`, async () => {
      server.enqueue({ kind: 'status', status, body: { error: { message: `Incorrect API key provided: ${API_KEY}` } } });
      const error = assertFailure(await runTurn(model()), 'unauthenticated');
      assert.match(error.message, new RegExp(`HTTP ${status}`));
    });
  }

  for (const status of [429, 500, 502, 503]) {
    test(`HTTP ${status} → unavailable`, async () => {
      server.enqueue({ kind: 'status', status, body: { error: { message: 'slow down' } } });
      const error = assertFailure(await runTurn(model()), 'unavailable');
      assert.equal(error.details.httpStatus, status);
    });
  }

  test('HTTP 400 → invalid_argument carrying the provider message, key redacted', async () => {
    server.enqueue({ kind: 'status', status: 400, body: { error: { message: `Invalid 'messages[0]': bad role (key ${API_KEY})` } } });
    const error = assertFailure(await runTurn(model()), 'invalid_argument');
    assert.match(error.message, /Invalid 'messages\[0\]': bad role/);
    assert.match(error.message, /\[redacted\]/);
  });

  test('HTTP 400 with a plain-text body → invalid_argument with that text', async () => {
    server.enqueue({ kind: 'status', status: 400, body: 'model "x" not found', contentType: 'text/plain' });
    assert.match(assertFailure(await runTurn(model()), 'invalid_argument').message, /model "x" not found/);
  });

  test('connection refused → unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assertFailure(await runTurn(model({ baseUrl: `http://127.0.0.1:${port}/v1` })), 'unavailable');
  });

  test('server never answers → deadline_exceeded after timeoutMs', async () => {
    server.enqueue({ kind: 'hang' });
    const started = performance.now();
    assertFailure(await runTurn(model({ timeoutMs: 150 })), 'deadline_exceeded');
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs >= 140 && elapsedMs < 1_000, `took ${elapsedMs} ms`);
  });

  test('stream stalls after a token → token delivered, then deadline_exceeded', async () => {
    server.enqueue({ kind: 'stream', frames: [sse(chunk({ content: 'partial' }))], hangAfter: true });
    const turn = await runTurn(model({ timeoutMs: 150 }));
    assert.deepEqual(tokensOf(turn), ['partial']);
    assertFailure(turn, 'deadline_exceeded');
  });

  test('slow but steady stream (gaps below timeoutMs, total above) → completes', async () => {
    server.enqueue({ kind: 'stream', frames: [sse(chunk({ content: 'a' })), sse(chunk({ content: 'b' })), sse(chunk({}, 'stop')), SSE_DONE], delayMs: 80 });
    const turn = await runTurn(model({ timeoutMs: 200 }));
    assert.equal(turn.error, null);
    assert.deepEqual(tokensOf(turn), ['a', 'b']);
  });

  test('abort mid-stream → cancelled within 100 ms', async () => {
    server.enqueue({ kind: 'stream', frames: [sse(chunk({ content: 'first' }))], hangAfter: true });
    const controller = new AbortController();
    let abortedAt = 0;
    const turn = await runTurn(model(), {
      signal: controller.signal,
      onChunk: () => {
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, 20);
      },
    });
    assertFailure(turn, 'cancelled');
    assert.deepEqual(tokensOf(turn), ['first']);
    assert.ok(performance.now() - abortedAt < 100, 'cancelled promptly');
  });

  test('abort while waiting for headers → cancelled within 100 ms', async () => {
    server.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 50);
    assertFailure(await runTurn(model(), { signal: controller.signal }), 'cancelled');
    assert.ok(performance.now() - abortedAt < 100);
  });

  test('data line that is not JSON → unavailable naming the malformed event', async () => {
    server.enqueue({ kind: 'stream', frames: [sse(chunk({ content: 'ok' })), 'data: {not json\n\n', SSE_DONE] });
    const turn = await runTurn(model());
    assert.match(assertFailure(turn, 'unavailable').message, /malformed stream event/);
  });

  test('line that is no SSE field → unavailable naming the malformed line', async () => {
    server.enqueue({ kind: 'stream', frames: ['{"choices":[]}\n\n', SSE_DONE] });
    assert.match(assertFailure(await runTurn(model()), 'unavailable').message, /malformed stream line/);
  });

  test('stream ends without finish_reason or [DONE] → unavailable', async () => {
    server.enqueue({ kind: 'stream', frames: [sse(chunk({ content: 'half' }))] });
    assert.match(assertFailure(await runTurn(model()), 'unavailable').message, /ended before the turn finished/);
  });

  test('error object mid-stream → unavailable with the provider message, key redacted', async () => {
    server.enqueue({ kind: 'stream', frames: [sse({ error: { message: `overloaded for ${API_KEY}` } }), SSE_DONE] });
    const error = assertFailure(await runTurn(model()), 'unavailable');
    assert.match(error.message, /overloaded for \[redacted\]/);
  });

  test('200 with application/json instead of a stream → unavailable', async () => {
    server.enqueue({ kind: 'status', status: 200, body: { choices: [] } });
    assert.match(assertFailure(await runTurn(model()), 'unavailable').message, /expected text\/event-stream/);
  });

  test('invalid baseUrl or timeout → invalid_argument at creation', () => {
    assert.throws(() => createOpenAiChatModel({ baseUrl: 'ftp://x', model: 'm', timeoutMs: 1 }), (error) => error instanceof CoreError && error.code === 'invalid_argument');
    assert.throws(() => createOpenAiChatModel({ baseUrl: 'http://x', model: 'm', timeoutMs: 0 }), (error) => error instanceof CoreError && error.code === 'invalid_argument');
  });
});

describe('SseDecoder', () => {
  test('event split across pushes and several data lines → one payload joined with \\n', () => {
    const decoder = new SseDecoder();
    assert.deepEqual(decoder.push('data: a\nda'), []);
    assert.deepEqual(decoder.push('ta:b\n\ndata: c'), ['a\nb']);
    assert.deepEqual(decoder.end(), ['c']);
  });
});
