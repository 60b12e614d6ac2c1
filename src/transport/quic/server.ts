// Node RPC server: the QUIC listener and its TLS-over-TCP fallback on the same port number, sharing one dispatcher.
import type { Logger } from 'pino';
import { NodeConnections } from './connections.js';
import { createDispatcher } from './dispatch.js';
import type { NodeRpcCore } from './methods.js';
import { PeerFaults } from './peer-faults.js';
import { type QuicListener, type ServerCertificateProvider, startQuicListener } from './quic-listener.js';
import { startTlsListener, type TlsListener } from './tls-listener.js';

export interface NodeRpcServerOptions {
  core: NodeRpcCore;
  certificates: ServerCertificateProvider;
  caPem: string;
  host: string;
  /** UDP and TCP port; 0 picks a free UDP port and then takes the same TCP port. */
  port: number;
  logger: Logger;
  maxConnections?: number;
  /** QUIC keep-alive and idle timeout (QuicListenerOptions). */
  keepAliveMs?: number;
  idleTimeoutMs?: number;
  /** Also serve TLS over TCP. Default true. */
  tcpFallback?: boolean;
}

export interface NodeRpcServer {
  host: string;
  port: number;
  /** Open QUIC connections (for metrics and the benchmark). */
  connectionCount(): number;
  close(): Promise<void>;
}

const EPHEMERAL_ATTEMPTS = 5;
const CLOSE_TIMEOUT_MS = 2_000;

/** Starts both listeners; with port 0 it retries a few ephemeral ports until UDP and TCP share one. */
export async function startNodeRpcServer(options: NodeRpcServerOptions): Promise<NodeRpcServer> {
  const connections = new NodeConnections(options.core.devices);
  const faults = new PeerFaults(options.logger);
  const dispatcher = createDispatcher({ core: options.core, logger: options.logger, faults });
  const common = { devices: options.core.devices, connections, dispatcher, faults, certificates: options.certificates, caPem: options.caPem, host: options.host, logger: options.logger, ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}) };
  const timing = { ...(options.keepAliveMs ? { keepAliveMs: options.keepAliveMs } : {}), ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}) };
  let quic: QuicListener | undefined;
  let tls: TlsListener | undefined;
  try {
    for (let attempt = 1; ; attempt += 1) {
      quic = await startQuicListener({ ...common, ...timing, port: options.port });
      if (options.tcpFallback === false) break;
      try {
        tls = await startTlsListener({ ...common, port: quic.port });
        break;
      } catch (error) {
        await quic.close();
        quic = undefined;
        if (options.port !== 0 || attempt >= EPHEMERAL_ATTEMPTS || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
      }
    }
  } catch (error) {
    connections.close();
    throw error;
  }
  const bound = quic;
  return {
    host: options.host,
    port: bound.port,
    connectionCount: () => bound.connectionCount(),
    async close() {
      // A safety net: the known waits are gone (TCP sockets still in their TLS handshake are destroyed;
      // the patched library skips QUIC's draining period on a forced stop), but shutdown must never hang.
      const bounded = async (name: string, closing: Promise<void> | undefined) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            options.logger.warn({ listener: name }, 'node RPC listener did not close in time; abandoning it');
            resolve();
          }, CLOSE_TIMEOUT_MS);
          timer.unref();
        });
        // A listener that closed in time must not be reported late by a timer left running.
        await Promise.race([closing, late]).finally(() => clearTimeout(timer));
      };
      faults.close();
      await Promise.allSettled([bounded('quic', bound.close()), bounded('tls', tls?.close())]);
      connections.close();
    },
  };
}
