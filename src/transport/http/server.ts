// The admin/console HTTP server: Fastify on a dual HTTP/1.1 + HTTP/2 listener, one security pipeline, one error table.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
  LogController,
} from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import type { Core } from '../../core/index.js';
import type { ApiDeps, DaemonInfo } from './api-deps.js';
import { decorateAuth, requireBearer, requireConsoleSession } from './auth.js';
import { answerClientError } from './client-errors.js';
import { registerErrorHandlers, sendError } from './errors.js';
import { lazyValidatorFactory } from './lazy-validators.js';
import { type ConnectionTimeouts, createDualProtocolServer, type RequestHandler, type TlsMaterial } from './listener.js';
import { registerRequestMetrics } from './request-metrics.js';
import { adminCanvasKeyRoutes } from './routes/admin/canvas-key.js';
import { adminSessionTokenRoutes } from './routes/admin/session-tokens.js';
import { adminJournalRoutes } from './routes/admin/journal.js';
import { adminRunRoutes } from './routes/admin/runs.js';
import { adminStatusRoutes } from './routes/admin/status.js';
import { adminToolRoutes } from './routes/admin/tools.js';
import { apiTokenRoutes } from './routes/api-tokens.js';
import { approvalRoutes } from './routes/approvals.js';
import { canvasFrameRoutes } from './routes/canvas/frame.js';
import { canvasStateRoutes } from './routes/canvas/state.js';
import { browserRoutes } from './routes/browser.js';
import { consoleAuthRoutes } from './routes/console/auth.js';
import { consoleCanvasRoutes } from './routes/console/canvases.js';
import { consoleChatRoutes } from './routes/console/chat.js';
import { consoleDiagnosticsRoutes } from './routes/console/diagnostics.js';
import { consoleLiveRoutes } from './routes/console/live.js';
import { consoleRunRoutes } from './routes/console/runs.js';
import { consoleSessionRoutes } from './routes/console/sessions.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { nodeRoutes } from './routes/nodes.js';
import { webAppRoutes } from './routes/web-app.js';
import { declareSecurity, SECURITY_SCHEMES } from './route-security.js';
import { RequestGuard } from './security.js';
import { StreamTracker } from './streams.js';

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_RATE_LIMIT_PER_SECOND = 120;

export interface HttpServerOptions {
  core: Core;
  logger: Logger;
  info: DaemonInfo;
  bodyLimitBytes?: number;
  rateLimitPerSecond?: number;
  /** IPs/CIDRs whose X-Forwarded-* headers are believed; none by default. */
  trustedProxies?: readonly string[];
  allowedOrigins?: readonly string[];
  /** Host names served besides the loopback ones, or `any` (see SecurityOptions); loopback names only by default. */
  allowedHosts?: readonly string[] | 'any';
  /** Certificate and key (PEM): serve HTTPS with ALPN h2 + http/1.1. */
  tls?: TlsMaterial;
  timeouts?: ConnectionTimeouts;
  /** The built console app to serve at `/` (see routes/web-app.ts). */
  webRoot?: string;
  /** The built canvas runtime (runtime.js, runtime.css) served under /canvas/v1. */
  canvasRuntimeRoot?: string;
}

/**
 * The Fastify options of the admin port (shared with benchmarks that measure against a bare route).
 * `guard` also answers what never reaches a route: the router's refusals and the parser's.
 */
export function fastifyOptions(
  options: Pick<HttpServerOptions, 'logger' | 'bodyLimitBytes' | 'trustedProxies' | 'tls' | 'timeouts'> & { guard: RequestGuard },
): FastifyHttpOptions<http.Server> {
  const { guard } = options;
  const trusted = options.trustedProxies ?? [];
  // Fastify types the factory as returning an http.Server; ours answers the same calls (listen, close, address).
  const onForcedClose = (connections: number) => options.logger.warn({ connections }, 'HTTP connections still open after the shutdown grace period; destroyed');
  const serverFactory = ((handler: RequestHandler) => createDualProtocolServer(handler, options.tls, options.timeouts, onForcedClose)) as unknown as FastifyServerFactory<http.Server>;
  return {
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    // Requests that arrive while the server closes are refused by the guard, with the envelope.
    return503OnClosing: false,
    forceCloseConnections: true,
    trustProxy: trusted.length > 0 ? [...trusted] : false,
    genReqId: () => crypto.randomUUID(),
    // Unknown fields are refused, not silently dropped: a typo must not pass as a valid request.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: {
      compilersFactory: {
        buildValidator: lazyValidatorFactory(),
        // Response schemas document the wire shape (OpenAPI); the routes' *ToWire functions decide the fields.
        // JSON.stringify serialises: measured faster than the compiled stringifier on our string-heavy
        // documents (nullable fields made it call a validator per field). Given here, Fastify never loads
        // that stringifier either.
        buildSerializer: () => () => (data) => JSON.stringify(data),
      },
    },
    frameworkErrors: (error, request, reply) => refuseUnroutable(guard, error, request, reply),
    clientErrorHandler: (error, socket) => answerClientError(error, socket as Duplex, guard.headers),
    serverFactory,
  };
}

/**
 * A request the router refused (bad percent-encoding, a path parameter over 100 characters) never runs
 * the onRequest hooks, so it passes the guard here: same headers, same rate limit, same envelope.
 */
function refuseUnroutable(guard: RequestGuard, error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  try {
    guard.admit(request, reply);
  } catch (refusal) {
    return sendError(request, reply, refusal);
  }
  return sendError(request, reply, error);
}

/**
 * Every route of the admin port behind one pipeline: security headers, rate limit, Host and Origin checks
 * (onRequest, before any credential is looked at) → bearer or console-session auth + CSRF → body
 * parsing (size, JSON only) → schema validation → the route's core call. Registered without
 * encapsulation so its hooks also cover 404s and errors.
 */
export const httpApi: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const { core } = deps;
  app.removeContentTypeParser('text/plain');
  decorateAuth(app);
  registerErrorHandlers(app);
  app.addHook('onRequest', async (request, reply) => deps.guard.admit(request, reply));
  registerRequestMetrics(app, core.metrics);
  app.addHook('preClose', async () => {
    deps.guard.close();
    deps.streams.closeAll();
  });
  await app.register(swagger, {
    openapi: {
      // 3.1: a bearer or cookie requirement may list the scope (role) an operation needs.
      openapi: '3.1.0',
      info: { title: 'palyrad admin and console API', version: deps.info.version },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  });
  await app.register(healthRoutes, deps.info);
  await app.register(metricsRoutes, core);
  await app.register(
    async (admin) => {
      requireBearer(admin, core);
      declareSecurity(admin, 'bearer');
      await admin.register(adminRunRoutes, core);
      await admin.register(adminJournalRoutes, core);
      await admin.register(adminStatusRoutes, { core, info: deps.info });
      await admin.register(adminToolRoutes, core);
      await admin.register(apiTokenRoutes, core);
      await admin.register(adminSessionTokenRoutes, core);
      await admin.register(approvalRoutes, core);
      await admin.register(nodeRoutes, core);
      await admin.register(adminCanvasKeyRoutes, core);
      await admin.register(browserRoutes, core);
      admin.get('/openapi.json', async () => app.swagger());
    },
    { prefix: '/admin/v1' },
  );
  await app.register(
    async (console) => {
      requireConsoleSession(console, core, { secure: deps.tls });
      declareSecurity(console, 'consoleSession');
      await console.register(consoleAuthRoutes, deps);
      await console.register(consoleSessionRoutes, core);
      await console.register(consoleChatRoutes, deps);
      await console.register(consoleRunRoutes, deps);
      await console.register(approvalRoutes, core);
      await console.register(nodeRoutes, core);
      await console.register(browserRoutes, core);
      await console.register(apiTokenRoutes, core);
      await console.register(consoleDiagnosticsRoutes, deps);
      await console.register(consoleLiveRoutes, deps);
      await console.register(consoleCanvasRoutes, core);
    },
    { prefix: '/console/v1' },
  );
  await app.register(
    async (canvas) => {
      declareSecurity(canvas, 'canvasToken');
      await canvas.register(canvasFrameRoutes, { core, runtimeRoot: deps.canvasRuntimeRoot, consoleOrigins: deps.settings.allowedOrigins });
      await canvas.register(canvasStateRoutes, deps);
    },
    { prefix: '/canvas/v1' },
  );
  await app.register(webAppRoutes, { webRoot: deps.webRoot });
};
(httpApi as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const settings = {
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    rateLimitPerSecond: options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND,
    trustedProxies: options.trustedProxies ?? [],
    allowedOrigins: options.allowedOrigins ?? [],
    allowedHosts: options.allowedHosts ?? [],
  };
  const tls = options.tls !== undefined;
  const guard = new RequestGuard({ tls, ...settings, metrics: options.core.metrics });
  const app = Fastify(fastifyOptions({ ...options, guard }));
  await app.register(httpApi, { core: options.core, info: options.info, streams: new StreamTracker(options.core.metrics), webRoot: options.webRoot ?? null, canvasRuntimeRoot: options.canvasRuntimeRoot ?? null, tls, settings, guard });
  return app;
}
