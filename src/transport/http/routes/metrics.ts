// GET /metrics: the Prometheus text of the core's registry, for a bearer token with status:read.
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../../core/index.js';
import { requireBearer } from '../auth.js';
import { declareSecurity } from '../route-security.js';

export async function metricsRoutes(app: FastifyInstance, core: Core): Promise<void> {
  requireBearer(app, core);
  declareSecurity(app, 'bearer');
  app.get('/metrics', { config: { action: 'daemon.status' } }, async (request, reply) => {
    core.authorizer.authorize(request.ctx, 'daemon.status');
    return reply.type(core.metrics.contentType).send(await core.metrics.render());
  });
}
