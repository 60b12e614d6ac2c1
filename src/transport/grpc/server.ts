// The gateway gRPC server (HTTP/2): listens, serves the gateway, approvals, auth, node admin, health and reflection services, shuts down.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Core } from '../../core/index.js';
import { AuthServiceService } from '../../gen/palyra/auth/v1/auth.js';
import { ApprovalsServiceService, GatewayServiceService } from '../../gen/palyra/gateway/v1/gateway.js';
import { NodeAdminServiceService } from '../../gen/palyra/node/v1/node.js';
import type { HandlerDeps } from './handler.js';
import { DEFAULT_GRPC_LIMITS, type GrpcLimits, MAX_MESSAGE_BYTES, serverOptions, withMessageLimit } from './limits.js';
import { addStandardServices } from './reflection.js';
import { approvalsService } from './services/approvals.js';
import { authService } from './services/auth.js';
import { gatewayService, type HealthInfo } from './services/gateway.js';
import { nodeAdminService } from './services/node-admin.js';
import { createGatewayListener } from './listener.js';
import type { GrpcTlsOptions } from './tls.js';

export { MAX_MESSAGE_BYTES };

export type GrpcServerInfo = HealthInfo;

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
  const server = new grpc.Server(serverOptions({ ...DEFAULT_GRPC_LIMITS, ...options.limits }));
  const listener = createGatewayListener(server, options.tls, options.logger);
  const deps: HandlerDeps = { core: options.core, logger: options.logger };
  server.addService(withMessageLimit(GatewayServiceService), gatewayService(deps, options.info));
  server.addService(withMessageLimit(ApprovalsServiceService), approvalsService(deps));
  server.addService(withMessageLimit(AuthServiceService), authService(deps));
  server.addService(withMessageLimit(NodeAdminServiceService), nodeAdminService(deps));
  const health = addStandardServices(server);
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
    },
  };
}
