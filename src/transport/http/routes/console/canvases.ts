// /console/v1 canvas routes: a session's canvases, a viewing token for the signed-in operator, a person's input in a canvas.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../../../core/index.js';
import { CanvasIdParams, CanvasInteractionBody, CanvasInteractionWire, CanvasListWire, CanvasTokenBody, CanvasTokenWire, canvasToWire } from '../../schemas/canvas.js';
import { IdParams, responses } from '../../schemas/common.js';

export async function consoleCanvasRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/chat/sessions/:id/canvases', { schema: { params: IdParams, response: responses(200, CanvasListWire) }, config: { action: 'canvas.read' } }, async (request) => {
    const now = Date.now();
    return { canvases: core.canvases.list(request.ctx, request.params.id).map((canvas) => canvasToWire(canvas, now)) };
  });

  // A POST although it changes nothing stored: a token is a credential, and minting one must carry CSRF.
  app.post('/canvases/:id/token', { schema: { params: CanvasIdParams, body: CanvasTokenBody, response: responses(200, CanvasTokenWire) }, config: { action: 'canvas.read' } }, async (request) => {
    const minted = core.canvases.mintToken(request.ctx, request.params.id, ...(request.body?.ttl_ms ? [request.body.ttl_ms] : []));
    return { token: minted.token, expires_at_unix_ms: minted.expiresAtMs, frame_url: `/canvas/v1/frame/${minted.canvas.canvasId}?token=${minted.token}` };
  });

  app.post('/canvases/:id/actions', { schema: { params: CanvasIdParams, body: CanvasInteractionBody, response: responses(202, CanvasInteractionWire) }, config: { action: 'runs.start' } }, async (request, reply) => {
    const started = await core.canvases.interact(request.ctx, request.params.id, request.body);
    return reply.code(202).send({ run_id: started.runId, session_id: started.sessionId });
  });
}
