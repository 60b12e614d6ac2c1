// Records every HTTP request (count by route pattern and status, latency) into the core's metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../core/metrics.js';

/** Adds an onResponse hook; the route label is the pattern (`/admin/v1/runs/:id`), never the raw URL. */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.recordRequest('http', route, String(reply.statusCode), reply.elapsedTime / 1000);
  });
}
