// Run streams over HTTP: SSE resume (Last-Event-ID, after_seq), many subscribers, NDJSON chat, approvals from another client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ConsoleSession, consoleLogin } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { collectSse, type SseFrame } from '../helpers/sse.js';

const seqs = (frames: SseFrame[]) => frames.map((frame) => Number(frame.id));
const isFinal = (frame: SseFrame) => {
  const event = JSON.parse(frame.data) as { event_type: string; payload: { kind?: string } };
  return event.event_type === 'status' && (event.payload.kind === 'done' || event.payload.kind === 'failed');
};

describe('HTTP run streams', () => {
  let daemon: TestDaemon;
  let session: ConsoleSession;

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    session = await consoleLogin(daemon);
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  async function startRun(prompt: string): Promise<string> {
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, wait: false }) });
    assert.equal(response.status, 202);
    return ((await response.json()) as { run_id: string }).run_id;
  }

  function events(runId: string, headers: Record<string, string> = {}, query = ''): Promise<Response> {
    return session.request(`/runs/${runId}/events${query}`, { headers: { accept: 'text/event-stream', ...headers } });
  }

  test('SSE reconnect with Last-Event-ID mid-run → every seq exactly once, in order', async () => {
    const runId = await startRun('@tokens 40\n@slow 10');
    const first = await events(runId);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const head = await collectSse(first.body as ReadableStream<Uint8Array>, (_frame, count) => count === 10);
    const lastId = head.at(-1)?.id as string;
    const rest = await collectSse((await events(runId, { 'last-event-id': lastId })).body as ReadableStream<Uint8Array>);
    const all = [...seqs(head), ...seqs(rest)];
    assert.deepEqual(all, all.map((_, index) => index));
    assert.ok(isFinal(rest.at(-1) as SseFrame));
  });

  test('?after_seq resumes like Last-Event-ID; a finished run past its last event → the stream ends at once', async () => {
    const runId = await startRun('hello there');
    const full = await collectSse((await events(runId)).body as ReadableStream<Uint8Array>);
    const tail = await collectSse((await events(runId, {}, '?after_seq=1')).body as ReadableStream<Uint8Array>);
    assert.deepEqual(seqs(tail), seqs(full).slice(2));
    const started = Date.now();
    const none = await collectSse((await events(runId, { 'last-event-id': String(full.length - 1) })).body as ReadableStream<Uint8Array>);
    assert.deepEqual(none, []);
    assert.ok(Date.now() - started < 1000);
  });

  test('without Accept: text/event-stream the same route returns a JSON page', async () => {
    const runId = await startRun('hello');
    await collectSse((await events(runId)).body as ReadableStream<Uint8Array>);
    const page = (await (await session.request(`/runs/${runId}/events?after_seq=0&limit=2`)).json()) as { events: { seq: number }[]; next_after_seq: number; run: { state: string } };
    assert.deepEqual(page.events.map((event) => event.seq), [1, 2]);
    assert.equal(page.next_after_seq, 2);
    assert.equal(page.run.state, 'done');
  });

  test('100 concurrent SSE subscribers on one live run → all see the identical complete sequence', async () => {
    const runId = await startRun('@tokens 100\n@slow 15');
    const streams = await Promise.all(Array.from({ length: 100 }, () => events(runId)));
    const metrics = await (await daemon.admin('/metrics')).text();
    const open = /palyra_open_streams\{transport="http",kind="sse"\} (\d+)/.exec(metrics);
    assert.ok(open && Number(open[1]) >= 100, `open streams gauge: ${open?.[1]}`);
    const results = await Promise.all(streams.map((response) => collectSse(response.body as ReadableStream<Uint8Array>)));
    const expected = seqs(results[0] as SseFrame[]);
    assert.ok(expected.length > 50);
    for (const frames of results) assert.deepEqual(seqs(frames), expected);
  });

  test('chat message → NDJSON lines: meta, events (seq 0..n), complete with status done', async () => {
    const created = (await (await session.request('/sessions', { method: 'POST', body: '{}' })).json()) as { session: { session_id: string } };
    const response = await session.request(`/chat/sessions/${created.session.session_id}/messages`, { method: 'POST', body: JSON.stringify({ text: 'hello chat' }) });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; run_id: string; session_id?: string; status?: string; event?: { seq: number } });
    assert.equal(lines[0]?.type, 'meta');
    assert.equal(lines[0]?.session_id, created.session.session_id);
    const eventSeqs = lines.filter((line) => line.type === 'event').map((line) => line.event?.seq);
    assert.deepEqual(eventSeqs, eventSeqs.map((_, index) => index));
    assert.deepEqual(lines.at(-1), { type: 'complete', run_id: lines[0]?.run_id, status: 'done' });
  });

  test('chat message to an unknown session → 404 before any stream starts', async () => {
    const response = await session.request('/chat/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV/messages', { method: 'POST', body: JSON.stringify({ text: 'x' }) });
    assert.equal(response.status, 404);
    await response.arrayBuffer();
  });

  test('approval requested by a console chat run, decided over the admin API → the live run continues and finishes', async () => {
    const created = (await (await session.request('/sessions', { method: 'POST', body: '{}' })).json()) as { session: { session_id: string } };
    const chat = session.request(`/chat/sessions/${created.session.session_id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: '@tool palyra.process.run {"command":"echo","args":["hi"]}' }),
    });
    const response = await chat;
    const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream());
    let text = '';
    let decided = false;
    for await (const chunk of reader) {
      text += chunk;
      const match = /"approval_id":"([0-9A-Z]{26})"/.exec(text);
      if (match && !decided) {
        decided = true;
        const decision = await daemon.admin(`/admin/v1/approvals/${match[1]}/decision`, { method: 'POST', body: JSON.stringify({ approved: false, reason: 'not now' }) });
        assert.equal(decision.status, 200);
        await decision.arrayBuffer();
      }
    }
    assert.ok(decided, 'saw an approval request');
    assert.match(text, /"event_type":"tool_approval_response"/);
    const last = JSON.parse(text.trim().split('\n').at(-1) as string) as { type: string; status: string };
    assert.equal(last.type, 'complete');
  });

  test('console abort → the live run ends cancelled and its SSE stream ends with a failed status', async () => {
    const runId = await startRun('@tokens 500\n@slow 20');
    const stream = events(runId);
    const abort = await session.request(`/runs/${runId}/abort`, { method: 'POST', body: JSON.stringify({ reason: 'enough' }) });
    assert.equal(abort.status, 200);
    const frames = await collectSse((await stream).body as ReadableStream<Uint8Array>);
    assert.ok(isFinal(frames.at(-1) as SseFrame));
    const run = (await (await session.request(`/runs/${runId}`)).json()) as { run: { state: string } };
    assert.equal(run.run.state, 'cancelled');
  });
});
