// Dotted tool names on the OpenAI wire: the reversible `.` ↔ `-` encoding, end to end through the provider.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import type { ModelChunk, ModelMessage, ToolSpec } from '../../src/core/models/model-provider.js';
import { createOpenAiChatModel } from '../../src/infra/models/openai-chat.js';
import { toWireToolName, WireToolNames } from '../../src/infra/models/openai-tool-names.js';
import { startFakeOpenAiServer, textReply, toolCallReply, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';

const OUR_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const OPENAI_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ECHO: ToolSpec = { name: 'palyra.echo', description: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } };
const FETCH: ToolSpec = { name: 'palyra.http.fetch', description: 'fetch', inputSchema: { type: 'object', properties: { url: { type: 'string' } } } };

/** Every string of at most `maxLength` characters over `alphabet` that is one of our tool names. */
function allNames(alphabet: string, maxLength: number): string[] {
  const names: string[] = [];
  let level = [''];
  for (let length = 1; length <= maxLength; length += 1) {
    level = level.flatMap((prefix) => [...alphabet].map((letter) => prefix + letter));
    names.push(...level.filter((name) => OUR_NAME.test(name)));
  }
  return names;
}

describe('toWireToolName', () => {
  const cases: [string, string][] = [
    ['palyra.echo', 'palyra-echo'],
    ['palyra.http.fetch', 'palyra-http-fetch'],
    ['palyra.process_run', 'palyra-process_run'],
    ['get_weather', 'get_weather'],
    ['a__b', 'a__b'],
    ['a.b', 'a-b'],
  ];
  for (const [name, wireName] of cases) {
    test(`${name} → ${wireName}, a valid OpenAI function name`, () => {
      assert.equal(toWireToolName(name), wireName);
      assert.match(wireName, OPENAI_NAME);
    });
  }

  test('a 64-character name → a wire name of the same length, still valid', () => {
    const name = `${'a'.repeat(31)}.${'b'.repeat(32)}`;
    assert.equal(name.length, 64);
    assert.match(toWireToolName(name), OPENAI_NAME);
  });

  test('every name of up to 8 characters over {a, 0, _, .} → distinct wire names that map back', () => {
    const names = allNames('a0_.', 8);
    assert.ok(names.length > 5_000, `enumerated ${names.length} names`);
    const wireNames = names.map(toWireToolName);
    assert.equal(new Set(wireNames).size, names.length, 'no two names share a wire name');
    const lookup = new WireToolNames(names.map((name) => ({ name })));
    for (const [index, name] of names.entries()) {
      assert.match(wireNames[index] as string, OPENAI_NAME);
      assert.equal(lookup.fromWire(wireNames[index] as string), name);
    }
  });
});

describe('WireToolNames', () => {
  test('wire name of no offered tool → returned unchanged', () => {
    const lookup = new WireToolNames([ECHO]);
    assert.equal(lookup.fromWire('palyra-echo'), 'palyra.echo');
    assert.equal(lookup.fromWire('palyra-sleep'), 'palyra-sleep');
    assert.equal(lookup.fromWire('get_weather'), 'get_weather');
  });

  test('two offered names outside our pattern sharing a wire name → invalid_argument', () => {
    assert.throws(
      () => new WireToolNames([{ name: 'a.b' }, { name: 'a-b' }]),
      (error) => error instanceof CoreError && error.code === 'invalid_argument' && /a\.b and a-b/.test(error.message),
    );
  });
});

describe('openai chat: tool names on the wire', () => {
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

  const provider = () => createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'gpt-test', apiKey: 'sk-test-names', timeoutMs: 5_000 });

  async function collect(messages: ModelMessage[], tools: ToolSpec[]): Promise<ModelChunk[]> {
    const chunks: ModelChunk[] = [];
    for await (const item of provider().streamTurn({ messages, tools, signal: new AbortController().signal })) chunks.push(item);
    return chunks;
  }

  const callsOf = (chunks: ModelChunk[]) => chunks.flatMap((item) => (item.type === 'tool_call' ? [item.call] : []));

  test('dotted tools offered → tool specs carry the wire names', async () => {
    server.enqueue(textReply(['ok']));
    await collect([{ role: 'user', content: 'hi' }], [ECHO, FETCH]);
    const body = server.requests[0]?.body as { tools: { function: { name: string } }[] };
    assert.deepEqual(body.tools.map((tool) => tool.function.name), ['palyra-echo', 'palyra-http-fetch']);
  });

  test('tool calls by wire name → calls carrying our names, provider ids kept', async () => {
    server.enqueue(
      toolCallReply([
        { id: 'call_f', name: 'palyra-http-fetch', arguments: '{"url":"https://example.com"}' },
        { id: 'call_e', name: 'palyra-echo', arguments: '{"text":"hi"}' },
      ]),
    );
    const calls = callsOf(await collect([{ role: 'user', content: 'go' }], [ECHO, FETCH]));
    assert.deepEqual(calls, [
      { providerCallId: 'call_f', name: 'palyra.http.fetch', input: { url: 'https://example.com' } },
      { providerCallId: 'call_e', name: 'palyra.echo', input: { text: 'hi' } },
    ]);
  });

  test('tool call whose wire name matches no offered tool → name passed through unchanged', async () => {
    server.enqueue(
      toolCallReply([
        { id: 'call_1', name: 'palyra-sleep', arguments: '{}' },
        { id: 'call_2', name: 'palyra__echo', arguments: '{}' },
      ]),
    );
    const calls = callsOf(await collect([{ role: 'user', content: 'go' }], [ECHO]));
    assert.deepEqual(calls.map((call) => call.name), ['palyra-sleep', 'palyra__echo']);
  });

  test('assistant toolCalls in the history → sent back under their wire names with the provider ids', async () => {
    server.enqueue(textReply(['done']));
    await collect(
      [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: '', toolCalls: [{ providerCallId: 'call_9', name: 'palyra.http.fetch', input: { url: 'https://example.com' } }] },
        { role: 'tool', toolCallId: 'call_9', content: '{"status":200}' },
      ],
      [ECHO, FETCH],
    );
    const body = server.requests[0]?.body as { messages: Record<string, unknown>[] };
    assert.deepEqual(body.messages.slice(1), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'palyra-http-fetch', arguments: '{"url":"https://example.com"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_9', content: '{"status":200}' },
    ]);
  });

  test('offered names colliding on the wire → invalid_argument before any request', async () => {
    await assert.rejects(
      collect([{ role: 'user', content: 'go' }], [{ ...ECHO, name: 'a.b' }, { ...ECHO, name: 'a-b' }]),
      (error) => error instanceof CoreError && error.code === 'invalid_argument',
    );
    assert.equal(server.requests.length, 0);
  });
});
