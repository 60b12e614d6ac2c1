// The real palyrad with the OpenAI provider against a local chat-completions server: tool round trip, 401, 500.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startFakeOpenAiServer, textReply, toolCallReply, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';

const API_KEY = 'sk-test-e2e-7f3a9c1d5b-SECRET';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const OPENAI_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

interface RunWire {
  run_id: string;
  state: string;
  model: string;
  failure_reason: string | null;
  last_error: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  error?: { code: string; message: string };
}

interface TapeEvent {
  seq: number;
  event_type: string;
  payload: Record<string, unknown>;
}

interface ChatBody {
  model: string;
  stream: boolean;
  tools: { type: string; function: { name: string } }[];
  messages: Record<string, unknown>[];
}

let fake: FakeOpenAiServer;
let daemon: TestDaemon;

before(async () => {
  fake = await startFakeOpenAiServer();
  daemon = await startDaemon({
    env: {
      PALYRA_MODEL_PROVIDER: 'openai',
      // The provider appends `/chat/completions`; the fake's base already ends in `/v1`.
      PALYRA_MODEL_BASE_URL: fake.baseUrl,
      PALYRA_MODEL: 'test-model',
      PALYRA_MODEL_API_KEY: API_KEY,
      PALYRA_MODEL_TIMEOUT_MS: '10000',
      PALYRA_LOG_LEVEL: 'debug',
    },
  });
});

after(async () => {
  await daemon.stop();
  await fake.close();
  removeStateDir(daemon.stateDir);
  assert.ok(!daemon.output().includes(API_KEY), 'the API key appeared in the daemon output');
});

beforeEach(() => {
  fake.requests.length = 0;
});

async function startRun(prompt: string): Promise<RunWire> {
  const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, wait: true }) });
  assert.equal(response.status, 200);
  return (await response.json()) as RunWire;
}

async function readTape(runId: string): Promise<TapeEvent[]> {
  const response = await daemon.admin(`/admin/v1/runs/${runId}/tape?after_seq=-1&limit=1000`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { events: TapeEvent[] }).events;
}

/** True when `expected` occurs in `types` in this order, other events allowed in between. */
function isInOrder(types: string[], expected: string[]): boolean {
  let next = 0;
  for (const type of types) if (type === expected[next]) next += 1;
  return next === expected.length;
}

function only(events: TapeEvent[], type: string): TapeEvent {
  const matching = events.filter((event) => event.event_type === type);
  assert.equal(matching.length, 1, `one ${type} event`);
  return matching[0] as TapeEvent;
}

describe('palyrad with the openai provider', () => {
  test('tool call to palyra-echo then text → run done; tape holds the echo round trip and the reply', async () => {
    const argumentsText = '{"text":"hello from the model"}';
    fake.enqueue(
      toolCallReply([{ id: 'call_e2e_1', name: 'palyra-echo', arguments: argumentsText }], { pieceLength: 5 }),
      textReply(['Echoed', ': hello'], { prompt: 21, completion: 2 }),
    );

    const run = await startRun('please echo hello');
    assert.equal(run.state, 'done', JSON.stringify(run));
    assert.equal(run.model, 'openai:test-model');
    assert.equal(run.error, undefined);
    assert.equal(run.prompt_tokens, 11 + 21);
    assert.equal(run.completion_tokens, 5 + 2);

    const events = await readTape(run.run_id);
    assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => index), 'seq from 0 without gaps');
    const types = events.map((event) => event.event_type);
    assert.ok(isInOrder(types, ['tool_proposal', 'tool_decision', 'tool_result', 'model_token', 'model_token', 'status']), `order: ${types.join(', ')}`);

    const proposal = only(events, 'tool_proposal').payload;
    assert.equal(proposal.tool_name, 'palyra.echo');
    assert.match(String(proposal.proposal_id), ULID);
    assert.notEqual(proposal.proposal_id, 'call_e2e_1');
    assert.deepEqual(JSON.parse(String(proposal.input_json)), { text: 'hello from the model' });
    const decision = only(events, 'tool_decision').payload;
    assert.equal(decision.proposal_id, proposal.proposal_id);
    assert.equal(decision.tool_name, 'palyra.echo');
    assert.equal(decision.kind, 'allow');
    const result = only(events, 'tool_result').payload;
    assert.equal(result.proposal_id, proposal.proposal_id);
    assert.equal(result.success, true);
    assert.deepEqual(JSON.parse(String(result.output_json)), { text: 'hello from the model' });

    const tokens = events.filter((event) => event.event_type === 'model_token' && event.payload.is_final === false).map((event) => event.payload.token);
    assert.deepEqual(tokens, ['Echoed', ': hello']);
    const last = events.at(-1);
    assert.equal(last?.event_type, 'status');
    assert.equal(last?.payload.kind, 'done');

    assert.equal(fake.requests.length, 2);
    const [first, second] = fake.requests.map((request) => request.body as ChatBody);
    for (const request of fake.requests) {
      assert.equal(request.url, '/v1/chat/completions');
      assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    }
    assert.equal(first?.model, 'test-model');
    assert.equal(first?.stream, true);
    const offered = first?.tools.map((tool) => tool.function.name) ?? [];
    assert.ok(offered.includes('palyra-echo'), `offered: ${offered.join(', ')}`);
    for (const name of offered) assert.match(name, OPENAI_NAME);

    assert.equal(second?.stream, true);
    const assistant = second?.messages.find((message) => message.role === 'assistant');
    assert.deepEqual(assistant?.tool_calls, [{ id: 'call_e2e_1', type: 'function', function: { name: 'palyra-echo', arguments: argumentsText } }]);
    const toolMessage = second?.messages.find((message) => message.role === 'tool');
    assert.equal(toolMessage?.tool_call_id, 'call_e2e_1');
    assert.deepEqual(JSON.parse(String(toolMessage?.content)), { text: 'hello from the model' });
  });

  test('provider answers 401 quoting the key → run failed unauthenticated; key in neither output, run nor tape', async () => {
    fake.enqueue({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}`, code: 'invalid_api_key' } } });

    const run = await startRun('hello');
    assert.equal(run.state, 'failed');
    assert.equal(run.error?.code, 'unauthenticated');
    assert.equal(run.failure_reason, 'unauthenticated');
    assert.match(run.last_error ?? '', /HTTP 401/);
    assert.equal(fake.requests.length, 1);

    const stored = await (await daemon.admin(`/admin/v1/runs/${run.run_id}`)).text();
    const tape = await readTape(run.run_id);
    assert.equal(tape.at(-1)?.payload.kind, 'failed');
    for (const [where, text] of [
      ['POST response', JSON.stringify(run)],
      ['stored run', stored],
      ['tape', JSON.stringify(tape)],
      ['daemon output', daemon.output()],
    ]) {
      assert.ok(!text?.includes(API_KEY), `the API key appeared in the ${where}`);
    }
  });

  test('provider answers 500 → run failed with code unavailable', async () => {
    fake.enqueue({ kind: 'status', status: 500, body: { error: { message: 'upstream exploded' } } });

    const run = await startRun('hello');
    assert.equal(run.state, 'failed');
    assert.equal(run.error?.code, 'unavailable');
    assert.equal(run.failure_reason, 'unavailable');
    assert.match(run.last_error ?? '', /HTTP 500\): upstream exploded/);
    const tape = await readTape(run.run_id);
    assert.equal(tape.at(-1)?.event_type, 'status');
    assert.equal(tape.at(-1)?.payload.kind, 'failed');
  });
});
