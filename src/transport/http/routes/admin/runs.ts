// /admin/v1/runs: start a one-shot run, read it and its tape, cancel it.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../../../core/index.js';
import { CancelBody, eventToWire, RunIdParams, runToWire, StartRunBody, TapeQuery } from '../../schemas/runs.js';

export async function adminRunRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/runs', { schema: { body: StartRunBody }, config: { action: 'runs.start' } }, async (request, reply) => {
    const body = request.body;
    const handle = await core.runs.start(request.ctx, {
      prompt: body.prompt,
      closeAfterPrompt: true,
      ...(body.run_id ? { runId: body.run_id } : {}),
      ...(body.session_id ? { sessionId: body.session_id } : {}),
      ...(body.session_key ? { sessionKey: body.session_key } : {}),
    });
    if (body.wait === false) return reply.code(202).send(runToWire(handle.record()));
    const { record, error } = await handle.finished;
    return reply.code(200).send({ ...runToWire(record), ...(error ? { error: { code: error.code, message: error.message } } : {}) });
  });

  app.get('/runs/:id', { schema: { params: RunIdParams }, config: { action: 'runs.read' } }, async (request) => runToWire(core.runs.get(request.ctx, request.params.id)));

  app.get('/runs/:id/tape', { schema: { params: RunIdParams, querystring: TapeQuery }, config: { action: 'runs.read' } }, async (request) => {
    const afterSeq = request.query.after_seq ?? -1;
    const limit = request.query.limit ?? 200;
    const page = core.runs.readTape(request.ctx, request.params.id, afterSeq, limit);
    return {
      run_id: request.params.id,
      requested_after_seq: afterSeq,
      limit,
      next_after_seq: page.nextAfterSeq,
      events: page.events.map(eventToWire),
    };
  });

  app.post('/runs/:id/cancel', { schema: { params: RunIdParams, body: CancelBody }, config: { action: 'runs.cancel' } }, async (request) => {
    const result = core.runs.cancel(request.ctx, request.params.id, request.body?.reason);
    return { run_id: result.runId, cancel_requested: result.cancelRequested, reason: result.reason };
  });
}
