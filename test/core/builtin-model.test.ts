// The built-in model: every directive, streaming shape, usage counts and cancellation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import type { ModelChunk, ModelMessage, ModelProvider, ToolSpec } from '../../src/core/models/model-provider.js';
import { createBuiltinModel, splitIntoTokens } from '../../src/infra/models/builtin-model.js';

const ECHO_TOOL: ToolSpec = { name: 'echo', description: 'echoes', inputSchema: { type: 'object' } };

interface Turn {
  chunks: ModelChunk[];
  error: unknown;
}

async function runTurn(model: ModelProvider, messages: ModelMessage[], options: { tools?: ToolSpec[]; signal?: AbortSignal } = {}): Promise<Turn> {
  const chunks: ModelChunk[] = [];
  try {
    const stream = model.streamTurn({ messages, tools: options.tools ?? [ECHO_TOOL], signal: options.signal ?? new AbortController().signal });
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: null };
  } catch (error) {
    return { chunks, error };
  }
}

const user = (content: string): ModelMessage => ({ role: 'user', content });
const tokensOf = (turn: Turn): string[] => turn.chunks.flatMap((chunk) => (chunk.type === 'token' ? [chunk.text] : []));
const callsOf = (turn: Turn) => turn.chunks.flatMap((chunk) => (chunk.type === 'tool_call' ? [chunk.call] : []));
const finishOf = (turn: Turn) => {
  const last = turn.chunks.at(-1);
  assert.equal(last?.type, 'finish');
  return last as Extract<ModelChunk, { type: 'finish' }>;
};
const codeOf = (error: unknown): string => (error instanceof CoreError ? error.code : `not a CoreError: ${String(error)}`);

describe('builtin model: plain text', () => {
  test('plain text → "You said: <text>" one word per token, finish stop, usage counted', async () => {
    const model = createBuiltinModel();
    const turn = await runTurn(model, [{ role: 'system', content: 'be brief' }, user('hello  big world')]);
    assert.equal(turn.error, null);
    assert.deepEqual(tokensOf(turn), ['You', ' said:', ' hello', '  big', ' world']);
    assert.deepEqual(finishOf(turn), { type: 'finish', reason: 'stop', usage: { promptTokens: 5, completionTokens: 5 } });
    assert.equal(model.name, 'builtin');
  });

  test('same request twice → identical chunks (deterministic)', async () => {
    const model = createBuiltinModel();
    const messages = [user('one two three')];
    assert.deepEqual((await runTurn(model, messages)).chunks, (await runTurn(model, messages)).chunks);
  });

  test('directives in earlier user messages → ignored; only the last user message counts', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@fail internal old'), { role: 'assistant', content: 'ok' }, user('fresh')]);
    assert.equal(turn.error, null);
    assert.equal(tokensOf(turn).join(''), 'You said: fresh');
  });

  test('unknown @word → treated as text', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@alice hi')]);
    assert.equal(tokensOf(turn).join(''), 'You said: @alice hi');
  });

  test('splitIntoTokens → chunks concatenate to the exact text, trailing whitespace kept', () => {
    const text = '  a\nb  c \n';
    const tokens = splitIntoTokens(text);
    assert.deepEqual(tokens, ['  a', '\nb', '  c \n']);
    assert.equal(tokens.join(''), text);
    assert.deepEqual(splitIntoTokens('   '), []);
  });
});

describe('builtin model: @tool', () => {
  const script = 'look these up\n@tool echo {"text":"hi"}\n@tool clock';

  test('first turn → echo of the text, one tool_call per line with builtin-call-<n>, finish tool_calls', async () => {
    const turn = await runTurn(createBuiltinModel(), [user(script)]);
    assert.equal(turn.error, null);
    assert.equal(tokensOf(turn).join(''), 'You said: look these up');
    assert.deepEqual(callsOf(turn), [
      { providerCallId: 'builtin-call-1', name: 'echo', input: { text: 'hi' } },
      { providerCallId: 'builtin-call-2', name: 'clock', input: {} },
    ]);
    assert.equal(finishOf(turn).reason, 'tool_calls');
  });

  test('tool results after the user message → "Tool <name> returned: <content>" per result, finish stop', async () => {
    const turn = await runTurn(createBuiltinModel(), [
      user(script),
      {
        role: 'assistant',
        content: 'You said: look these up',
        toolCalls: [
          { providerCallId: 'builtin-call-1', name: 'echo', input: { text: 'hi' } },
          { providerCallId: 'builtin-call-2', name: 'clock', input: {} },
        ],
      },
      { role: 'tool', toolCallId: 'builtin-call-1', content: '{"text":"hi"}' },
      { role: 'tool', toolCallId: 'builtin-call-2', content: 'noon' },
    ]);
    assert.equal(turn.error, null);
    assert.equal(tokensOf(turn).join(''), 'Tool echo returned: {"text":"hi"}\nTool clock returned: noon');
    assert.deepEqual(callsOf(turn), []);
    assert.equal(finishOf(turn).reason, 'stop');
  });

  test('arguments that are not a JSON object → input { raw }', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@tool echo [1,2]\n@tool echo {broken')]);
    assert.deepEqual(
      callsOf(turn).map((call) => call.input),
      [{ raw: '[1,2]' }, { raw: '{broken' }],
    );
  });

  test('only directives → no text tokens, just the tool calls', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@tool echo {}')]);
    assert.deepEqual(tokensOf(turn), []);
    assert.equal(callsOf(turn).length, 1);
  });

  test('@tool without a name → invalid_argument', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@tool')]);
    assert.equal(codeOf(turn.error), 'invalid_argument');
  });
});

describe('builtin model: @fail', () => {
  test('@fail unavailable <message> → throws CoreError unavailable with that message, no chunks', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@fail unavailable upstream is down')]);
    assert.equal(codeOf(turn.error), 'unavailable');
    assert.equal((turn.error as CoreError).message, 'upstream is down');
    assert.deepEqual(turn.chunks, []);
  });

  test('@fail with @tokens 3 → three tokens, then the failure (a mid-stream fault)', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@tokens 3\n@fail internal boom')]);
    assert.deepEqual(tokensOf(turn), ['t1', ' t2', ' t3']);
    assert.equal(codeOf(turn.error), 'internal');
  });

  test('@fail <unknown code> → invalid_argument naming the allowed codes', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@fail kaboom x')]);
    assert.equal(codeOf(turn.error), 'invalid_argument');
    assert.match((turn.error as CoreError).message, /unavailable/);
  });

  test('@fail <code> without message → default message', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@fail unauthenticated')]);
    assert.equal(codeOf(turn.error), 'unauthenticated');
    assert.equal((turn.error as CoreError).message, 'builtin model failure');
  });
});

describe('builtin model: @tokens, @length, @loop', () => {
  test('@tokens 1000 → exactly 1000 tokens, completionTokens 1000', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@tokens 1000')]);
    assert.equal(tokensOf(turn).length, 1000);
    assert.equal(finishOf(turn).usage.completionTokens, 1000);
  });

  test('@tokens 0 → no token, finish stop', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@tokens 0')]);
    assert.deepEqual(turn.chunks.map((chunk) => chunk.type), ['finish']);
  });

  test('@tokens not a number, or repeated → invalid_argument', async () => {
    assert.equal(codeOf((await runTurn(createBuiltinModel(), [user('@tokens many')])).error), 'invalid_argument');
    assert.equal(codeOf((await runTurn(createBuiltinModel(), [user('@tokens 1\n@tokens 2')])).error), 'invalid_argument');
  });

  test('@length → finish reason length', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('cut me\n@length')]);
    assert.equal(tokensOf(turn).join(''), 'You said: cut me');
    assert.equal(finishOf(turn).reason, 'length');
  });

  test('@loop <name> <json> → a tool call every turn, ids unique across turns', async () => {
    const model = createBuiltinModel();
    const messages: ModelMessage[] = [user('@loop echo {"n":1}')];
    const ids: string[] = [];
    for (let turnNumber = 0; turnNumber < 3; turnNumber += 1) {
      const turn = await runTurn(model, messages);
      const [call] = callsOf(turn);
      assert.ok(call);
      assert.deepEqual({ name: call.name, input: call.input }, { name: 'echo', input: { n: 1 } });
      assert.equal(finishOf(turn).reason, 'tool_calls');
      ids.push(call.providerCallId);
      messages.push({ role: 'assistant', content: '', toolCalls: [call] }, { role: 'tool', toolCallId: call.providerCallId, content: 'again' });
    }
    assert.deepEqual(ids, ['builtin-call-1', 'builtin-call-2', 'builtin-call-3']);
  });

  test('@loop without a name → calls the first offered tool; with no tools offered → invalid_argument', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@loop')], { tools: [{ ...ECHO_TOOL, name: 'first' }, ECHO_TOOL] });
    assert.equal(callsOf(turn)[0]?.name, 'first');
    const refused = await runTurn(createBuiltinModel(), [user('@loop')], { tools: [] });
    assert.equal(codeOf(refused.error), 'invalid_argument');
  });

  test('@loop with @tool → invalid_argument', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@loop echo\n@tool echo {}')]);
    assert.equal(codeOf(turn.error), 'invalid_argument');
  });
});

describe('builtin model: delays and cancellation', () => {
  test('@slow 30 → each token waits about 30 ms', async () => {
    const started = performance.now();
    const turn = await runTurn(createBuiltinModel(), [user('@slow 30\n@tokens 4')]);
    const elapsedMs = performance.now() - started;
    assert.equal(tokensOf(turn).length, 4);
    assert.ok(elapsedMs >= 110, `took ${elapsedMs} ms`);
  });

  test('abort during @slow 10000 → cancelled within 100 ms', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 50);
    const turn = await runTurn(createBuiltinModel(), [user('@slow 10000\nhello')], { signal: controller.signal });
    const elapsedMs = performance.now() - abortedAt;
    assert.equal(codeOf(turn.error), 'cancelled');
    assert.ok(elapsedMs < 100, `took ${elapsedMs} ms after abort`);
  });

  test('tokenDelayMs option → abort between tokens stops the stream promptly', async () => {
    const controller = new AbortController();
    const model = createBuiltinModel({ tokenDelayMs: 20 });
    const chunks: ModelChunk[] = [];
    let error: unknown = null;
    try {
      for await (const chunk of model.streamTurn({ messages: [user('@tokens 100')], tools: [], signal: controller.signal })) {
        chunks.push(chunk);
        if (chunks.length === 2) controller.abort();
      }
    } catch (caught) {
      error = caught;
    }
    assert.equal(codeOf(error), 'cancelled');
    assert.equal(chunks.length, 2);
  });

  test('signal already aborted → cancelled before any chunk', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('hi')], { signal: AbortSignal.abort() });
    assert.equal(codeOf(turn.error), 'cancelled');
    assert.deepEqual(turn.chunks, []);
  });

  test('@slow above the cap → invalid_argument', async () => {
    const turn = await runTurn(createBuiltinModel(), [user('@slow 999999')]);
    assert.equal(codeOf(turn.error), 'invalid_argument');
  });
});
