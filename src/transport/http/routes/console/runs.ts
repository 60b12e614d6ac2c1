// /console/v1/runs: the run list, a run, its events (Server-Sent Events with resume, or a JSON page) and abort.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { CallContext } from '../../../../core/context.js';
import { CoreError } from '../../../../core/errors.js';
import type { Core } from '../../../../core/index.js';
import type { ApiDeps } from '../../api-deps.js';
import type { RunState } from '../../../../core/runs/run-state.js';
import { IdParams, nullable, responses } from '../../schemas/common.js';
import { CancelBody, CancelResponse, eventToWire, ListRunsQuery, RunEventWire, RunWire, runToWire } from '../../schemas/runs.js';
import { SSE_HEARTBEAT, sseFrame } from '../../streams.js';

const EventsQuery = Type.Object(
  {
    after_seq: Type.Optional(Type.Integer({ minimum: -1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);

const RunListWire = Type.Object({ runs: Type.Array(RunWire), next_after_run_id: nullable(Type.String()) });

/** The JSON page (without `Accept: text/event-stream`); the stream sends the same events as `id`/`event`/`data` frames. */
const TapePageWire = Type.Object({ run: RunWire, events: Type.Array(RunEventWire), next_after_seq: Type.Integer() });

const TERMINAL_STATES = new Set(['done', 'failed', 'cancelled']);

/** `Last-Event-ID` (what an EventSource sends when it reconnects) wins over `?after_seq`; -1 is the start. */
function resumeCursor(request: FastifyRequest, afterSeq: number | undefined): number {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    if (!/^\d{1,15}$/.test(value.trim())) throw new CoreError('invalid_argument', 'Last-Event-ID must be the seq of an event');
    return Number(value.trim());
  }
  return afterSeq ?? -1;
}

function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/** True when the run has ended and nothing follows `afterSeq`: the stream has nothing left to say. */
function exhausted(core: Core, ctx: CallContext, runId: string, afterSeq: number): boolean {
  const run = core.runs.get(ctx, runId);
  return TERMINAL_STATES.has(run.state) && core.runs.readTape(ctx, runId, afterSeq, 1).events.length === 0;
}

export async function consoleRunRoutes(parent: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core, streams } = deps;

  app.get('/runs', { schema: { querystring: ListRunsQuery, response: responses(200, RunListWire) }, config: { action: 'runs.read' } }, async (request) => {
    const query = request.query;
    const page = core.runs.list(request.ctx, {
      ...(query.session_id ? { sessionId: query.session_id } : {}),
      ...(query.state ? { states: query.state.split(',') as RunState[] } : {}),
      ...(query.after_run_id ? { afterRunId: query.after_run_id } : {}),
      limit: query.limit ?? 50,
    });
    return { runs: page.runs.map(runToWire), next_after_run_id: page.nextAfterRunId };
  });

  app.get('/runs/:id', { schema: { params: IdParams, response: responses(200, Type.Object({ run: RunWire })) }, config: { action: 'runs.read' } }, async (request) => ({
    run: runToWire(core.runs.get(request.ctx, request.params.id)),
  }));

  app.get('/runs/:id/events', { schema: { params: IdParams, querystring: EventsQuery, response: responses(200, TapePageWire) }, config: { action: 'runs.read' } }, async (request, reply) => {
    const runId = request.params.id;
    const afterSeq = resumeCursor(request, request.query.after_seq);
    if (!wantsEventStream(request)) {
      const page = core.runs.readTape(request.ctx, runId, afterSeq, request.query.limit ?? 200);
      return { run: runToWire(core.runs.get(request.ctx, runId)), events: page.events.map(eventToWire), next_after_seq: page.nextAfterSeq };
    }
    const done = exhausted(core, request.ctx, runId, afterSeq);
    const ctx = request.ctx;
    return streams.send(reply, 'sse', 'text/event-stream; charset=utf-8', SSE_HEARTBEAT, async ({ signal, write }) => {
      write('retry: 2000\n\n');
      if (done) return;
      for await (const event of core.runs.watch(ctx, runId, afterSeq, signal)) await write(sseFrame(event));
    });
  });

  app.post('/runs/:id/abort', { schema: { params: IdParams, body: Type.Optional(CancelBody), response: responses(200, CancelResponse) }, config: { action: 'runs.cancel' } }, async (request) => {
    const result = core.runs.cancel(request.ctx, request.params.id, request.body?.reason ?? 'console_abort_requested');
    return { run_id: result.runId, cancel_requested: result.cancelRequested, reason: result.reason };
  });
}
