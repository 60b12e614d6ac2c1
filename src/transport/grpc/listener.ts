// The gateway's socket layer: accepts TCP (h2c) or TLS connections, checks client certificates, and hands each connection to grpc-js.
import net from 'node:net';
import nodeTls, { type TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { clientCertificateRefusal, type GrpcTlsOptions, serverTlsOptions } from './tls.js';

/** Marks the sockets of this listener, so per-stream checks can tell gateway streams from other HTTP/2 servers' in the process. */
export const GATEWAY_SOCKET = Symbol('palyra.grpc.gateway-socket');

export interface GatewayListener {
  /** Resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting connections; open ones stay until grpc-js closes their sessions. */
  stopAccepting(): Promise<void>;
  /** Destroys every connection still open, handshaking or serving. */
  destroyConnections(): void;
}

/**
 * A net or tls server in front of grpc-js: grpc-js serves the HTTP/2 of each connection it is handed
 * (`createConnectionInjector`), and this front decides which connections get there. grpc-js's own TLS
 * listener accepts any client certificate once a CA is set, so TLS ends here instead, where a
 * handshake whose certificate fails `clientCertificateRefusal` is closed before grpc-js sees a byte.
 */
export function createGatewayListener(server: grpc.Server, tls: GrpcTlsOptions | undefined, logger: Logger): GatewayListener {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const hand = (socket: net.Socket) => {
    Object.defineProperty(socket, GATEWAY_SOCKET, { value: true });
    injector.injectConnection(socket);
  };

  const tlsOptions = serverTlsOptions(tls);
  let front: net.Server;
  if (tlsOptions && tls) {
    front = nodeTls.createServer({ ...tlsOptions, noDelay: true }, (socket: TLSSocket) => {
      const refusal = clientCertificateRefusal(socket, tls);
      if (refusal === undefined) return hand(socket);
      logger.debug({ remote: socket.remoteAddress, reason: refusal }, 'gRPC TLS connection refused');
      socket.destroy();
    });
    front.on('connection', track);
    // A failed handshake (no certificate where one is required, a foreign CA with client_auth = "required",
    // a cleartext client) is the peer's doing: a debug line, and the socket goes.
    front.on('tlsClientError', (error, socket) => {
      logger.debug({ remote: socket.remoteAddress, err: error.message }, 'gRPC TLS handshake failed');
      socket.destroy();
    });
  } else {
    front = net.createServer({ noDelay: true }, (socket) => {
      track(socket);
      hand(socket);
    });
  }

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        front.once('error', reject);
        front.listen({ host, port }, () => {
          front.off('error', reject);
          const address = front.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    stopAccepting: () => new Promise((resolve) => front.close(() => resolve())),
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
