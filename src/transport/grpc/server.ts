// The gateway gRPC server (HTTP/2): binds, serves the gateway services, shuts down gracefully.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { GatewayServiceService } from '../../gen/palyra/gateway/v1/gateway.js';

/** The reference's limit on every gRPC message, in both directions. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface GrpcServerInfo {
  version: string;
  startedAtMs: number;
}

export interface GrpcServer {
  /** Resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  close(graceMs?: number): Promise<void>;
}

export function createGrpcServer(options: { info: GrpcServerInfo; logger: Logger }): GrpcServer {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
  });
  server.addService(GatewayServiceService, {
    getHealth: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, {
        v: 1,
        service: 'palyrad',
        status: 'ok',
        version: options.info.version,
        gitHash: '',
        buildProfile: process.env.NODE_ENV === 'production' ? 'release' : 'dev',
        uptimeSeconds: Math.floor((Date.now() - options.info.startedAtMs) / 1000),
      });
    },
  });
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
      }),
    close: (graceMs = 2_000) =>
      new Promise((resolve) => {
        const force = setTimeout(() => {
          options.logger.warn('gRPC calls still open after the grace period; forcing shutdown');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
