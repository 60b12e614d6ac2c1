// GET /healthz (liveness, no auth) and GET /readyz (store open and listeners up).
import type { FastifyInstance } from 'fastify';
import { declareSecurity } from '../route-security.js';

export interface HealthInfo {
  version: string;
  startedAtMs: number;
  isReady: () => boolean;
}

export async function healthRoutes(app: FastifyInstance, info: HealthInfo): Promise<void> {
  declareSecurity(app, 'none');
  app.get('/healthz', async () => ({
    service: 'palyrad',
    status: 'ok',
    version: info.version,
    uptime_seconds: Math.floor((Date.now() - info.startedAtMs) / 1000),
  }));
  app.get('/readyz', async (_request, reply) => {
    const ready = info.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'starting' });
  });
}
