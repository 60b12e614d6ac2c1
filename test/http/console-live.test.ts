// Console routes the web app relies on: the /events change feed (live + resume), run list, JSON chat start, audit verify, metrics history, tokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { consoleLogin, type ConsoleSession } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { readSse, type SseFrame } from '../helpers/sse.js';

/** Reads frames from an open stream until `done` says so (bounded by a timeout). */
async function readUntil(iterator: AsyncGenerator<SseFrame>, done: (frames: SseFrame[]) => boolean, timeoutMs = 10_000): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(frames)) {
    if (Date.now() > deadline) throw new Error(`timed out; got ${frames.map((frame) => `${frame.event}:${frame.data}`).join(' | ')}`);
    const next = await iterator.next();
    if (next.done) break;
    frames.push(next.value);
  }
  return frames;
}

describe('console API for the web app', () => {
  let daemon: TestDaemon;
  let session: ConsoleSession;
  let sessionId: string;
  before(async () => {
    daemon = await startDaemon();
    session = await consoleLogin(daemon);
    const created = await session.request('/sessions', { method: 'POST', body: JSON.stringify({ session_label: 'live test' }) });
    sessionId = ((await created.json()) as { session: { session_id: string } }).session.session_id;
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  async function startChat(text: string): Promise<string> {
    const response = await session.request(`/chat/sessions/${sessionId}/messages`, { method: 'POST', body: JSON.stringify({ text }), headers: { accept: 'application/json' } });
    assert.equal(response.status, 202);
    const body = (await response.json()) as { run_id: string; session_id: string };
    assert.equal(body.session_id, sessionId);
    return body.run_id;
  }

  it('a run started while /events is open → ready, then run.started and run.completed changes with journal seq ids', async () => {
    const controller = new AbortController();
    const events = await session.request('/events', { headers: { accept: 'text/event-stream' }, signal: controller.signal });
    assert.equal(events.status, 200);
    const frames = readSse(events.body as ReadableStream<Uint8Array>);
    const [ready] = await readUntil(frames, (seen) => seen.some((frame) => frame.event === 'ready'));
    const runId = await startChat('hello');
    const changes = await readUntil(frames, (seen) => seen.some((frame) => frame.data.includes('"run.completed"')));
    controller.abort();
    const kinds = changes.filter((frame) => frame.event === 'change').map((frame) => JSON.parse(frame.data) as { kind: string; run_id: string | null; seq: number });
    assert.ok(kinds.some((change) => change.kind === 'run.started' && change.run_id === runId));
    assert.ok(kinds.every((change, index) => index === 0 || change.seq > (kinds[index - 1]?.seq ?? 0)), 'seqs increase');
    assert.ok(Number(ready?.id) >= 0);
  });

  it('Last-Event-ID → the changes missed since that seq are replayed before ready', async () => {
    const head = ((await (await session.request('/audit/events?limit=1000')).json()) as { next_after_seq: number }).next_after_seq;
    const runId = await startChat('while away');
    await waitForRunState(runId, 'done');
    // The run shows done as soon as it ends; its journal event commits with the next group commit (≤ a
    // few ms later). Replay reads the journal, so wait until the event is there to be missed.
    for (let tries = 0; ; tries += 1) {
      const page = (await (await session.request(`/audit/events?after_seq=${head}&limit=1000`)).json()) as { events: Array<{ kind: string; run_id: string | null }> };
      if (page.events.some((event) => event.kind === 'run.completed' && event.run_id === runId)) break;
      assert.ok(tries < 100, 'run.completed reached the journal');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const controller = new AbortController();
    const events = await session.request('/events', { headers: { accept: 'text/event-stream', 'last-event-id': String(head) }, signal: controller.signal });
    const frames = await readUntil(readSse(events.body as ReadableStream<Uint8Array>), (seen) => seen.some((frame) => frame.event === 'ready'));
    controller.abort();
    const replayed = frames.filter((frame) => frame.event === 'change').map((frame) => JSON.parse(frame.data) as { kind: string; run_id: string | null });
    assert.ok(replayed.some((change) => change.kind === 'run.completed' && change.run_id === runId), JSON.stringify(replayed));
  });

  it('/events without a session → 401; with a bad Last-Event-ID → 400', async () => {
    const anonymous = await fetch(`${daemon.ready.http}/console/v1/events`, { headers: { accept: 'text/event-stream' } });
    assert.equal(anonymous.status, 401);
    const bad = await session.request('/events', { headers: { 'last-event-id': 'x' } });
    assert.equal(bad.status, 400);
  });

  async function waitForRunState(runId: string, state: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const body = (await (await session.request(`/runs/${runId}`)).json()) as { run: { state: string } };
      if (body.run.state === state) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`run ${runId} never reached ${state}`);
  }

  it('GET /runs with session_id and state filters → only matching runs, oldest first; a bad state → 400', async () => {
    const all = (await (await session.request(`/runs?session_id=${sessionId}`)).json()) as { runs: Array<{ run_id: string; state: string }> };
    assert.ok(all.runs.length >= 2);
    assert.deepEqual(
      all.runs.map((run) => run.run_id),
      [...all.runs.map((run) => run.run_id)].sort(),
    );
    const none = (await (await session.request(`/runs?session_id=${sessionId}&state=failed,cancelled`)).json()) as { runs: unknown[] };
    assert.equal(none.runs.length, 0);
    assert.equal((await session.request('/runs?state=exploded')).status, 400);
  });

  it('POST /audit/verify → the full chain verdict; GET /metrics/history → samples with runs finished', async () => {
    const verdict = (await (await session.request('/audit/verify', { method: 'POST' })).json()) as { ok: boolean; count: number };
    assert.equal(verdict.ok, true);
    assert.ok(verdict.count > 0);
    assert.equal((await session.request('/audit/verify', { method: 'POST', csrf: null })).status, 403);
    const history = (await (await session.request('/metrics/history')).json()) as { interval_ms: number; samples: Array<{ runs_finished: number }> };
    assert.ok(history.interval_ms > 0);
    assert.ok(history.samples.reduce((total, sample) => total + sample.runs_finished, 0) >= 2);
  });

  it('console tokens: create (secret once) → listed → revoke; an unknown scope → 400', async () => {
    const created = await session.request('/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'ci', principal: 'user:ci', scopes: ['runs:read'], ttl_seconds: 3600 }) });
    assert.equal(created.status, 201);
    const token = (await created.json()) as { token: string; token_id: string };
    assert.ok(token.token.length > 20);
    const listed = (await (await session.request('/api-tokens')).json()) as { tokens: Array<{ token_id: string; token?: string }> };
    const entry = listed.tokens.find((candidate) => candidate.token_id === token.token_id);
    assert.ok(entry && entry.token === undefined);
    assert.equal((await session.request(`/api-tokens/${token.token_id}/revoke`, { method: 'POST' })).status, 200);
    const bad = await session.request('/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'x', principal: 'user:x', scopes: ['everything'] }) });
    assert.equal(bad.status, 400);
  });
});
