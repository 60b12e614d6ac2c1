// The gateway gRPC server (HTTP/2): listens, serves the gateway, approvals, auth, node admin, canvas, health and reflection services, shuts down.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Core } from '../../core/index.js';
import { AuthServiceService } from '../../gen/palyra/auth/v1/auth.js';
import { CanvasServiceService } from '../../gen/palyra/canvas/v1/canvas.js';
import { ApprovalsServiceService, GatewayServiceService } from '../../gen/palyra/gateway/v1/gateway.js';
import { NodeAdminServiceService } from '../../gen/palyra/node/v1/node.js';
import { type HandlerDeps, libraryRefusals } from './handler.js';
import { routeLibraryLogs } from './library-log.js';
import { DEFAULT_GRPC_LIMITS, type GrpcLimits, MAX_MESSAGE_BYTES, serverOptions, withRequestDecoding } from './limits.js';
import { limitPublicCalls, PUBLIC_LIMIT_ENFORCED } from './public-limit.js';
import { addStandardServices } from './reflection.js';
import { approvalsService } from './services/approvals.js';
import { authService } from './services/auth.js';
import { canvasService } from './services/canvas.js';
import { gatewayService, type HealthInfo } from './services/gateway.js';
import { nodeAdminService } from './services/node-admin.js';
import { createGatewayListener } from './listener.js';
import type { GrpcTlsOptions } from './tls.js';

export { MAX_MESSAGE_BYTES };

export type GrpcServerInfo = HealthInfo & {
  /** The bound listeners (`http` is where canvas frame URLs point), once known. */
  listeners?: () => Record<string, string | null>;
};

export interface GrpcServerOptions {
  core: Core;
  info: GrpcServerInfo;
  logger: Logger;
  tls?: GrpcTlsOptions;
  limits?: Partial<GrpcLimits>;
}

export interface GrpcServer {
  /** Resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting calls, lets open calls finish for `graceMs`, then cancels the rest. */
  close(graceMs?: number): Promise<void>;
}

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  routeLibraryLogs(options.logger);
  const deps: HandlerDeps = { core: options.core, logger: options.logger };
  const libraryPaths = new Set<string>();
  const server = new grpc.Server({ ...serverOptions({ ...DEFAULT_GRPC_LIMITS, ...options.limits }), interceptors: [libraryRefusals(deps, libraryPaths)] });
  const listener = createGatewayListener(server, options.tls, options.logger);
  server.addService(withRequestDecoding(GatewayServiceService), gatewayService(deps, options.info));
  server.addService(withRequestDecoding(ApprovalsServiceService), approvalsService(deps));
  server.addService(withRequestDecoding(AuthServiceService), authService(deps));
  server.addService(withRequestDecoding(NodeAdminServiceService), nodeAdminService(deps));
  server.addService(withRequestDecoding(CanvasServiceService), canvasService(deps, () => options.info.listeners?.().http ?? null));
  const health = addStandardServices(server);
  for (const path of health.paths) libraryPaths.add(path);
  const stopLimitingPublicCalls = limitPublicCalls(deps, new Set([...health.paths, GatewayServiceService.getHealth.path]));
  if (!PUBLIC_LIMIT_ENFORCED) options.logger.warn({ node: process.versions.node }, 'calls without credentials keep the 4 MiB receive limit on this Node (the 4 KiB limit needs Node 24)');
  return {
    listen: (host, port) => listener.listen(host, port),
    async close(graceMs = 2_000) {
      health.setServing(false);
      const stopped = listener.stopAccepting();
      const force = setTimeout(() => {
        options.logger.warn('gRPC calls still open after the grace period; forcing shutdown');
        server.forceShutdown();
        listener.destroyConnections();
      }, graceMs);
      await Promise.all([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), stopped]);
      clearTimeout(force);
      stopLimitingPublicCalls();
    },
  };
}
