// The admin/console HTTP server: Fastify with one error table and one auth hook per namespace.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Core } from '../../core/index.js';
import { requireBearer } from './auth.js';
import { registerErrorHandlers } from './errors.js';
import { adminJournalRoutes } from './routes/admin/journal.js';
import { adminRunRoutes } from './routes/admin/runs.js';
import { adminStatusRoutes, type StatusInfo } from './routes/admin/status.js';
import { healthRoutes } from './routes/health.js';

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

export interface HttpServerOptions {
  core: Core;
  logger: Logger;
  info: StatusInfo & { isReady: () => boolean };
  bodyLimitBytes?: number;
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
    genReqId: () => crypto.randomUUID(),
    // Unknown fields are refused, not silently dropped: a typo must not pass as a valid request.
    ajv: { customOptions: { removeAdditional: false } },
  });
  registerErrorHandlers(app);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });
  await app.register(healthRoutes, options.info);
  await app.register(
    async (admin) => {
      requireBearer(admin, options.core);
      await admin.register(adminRunRoutes, options.core);
      await admin.register(adminJournalRoutes, options.core);
      await admin.register(adminStatusRoutes, { core: options.core, info: options.info });
    },
    { prefix: '/admin/v1' },
  );
  return app;
}
