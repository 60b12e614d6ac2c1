// The TLS-over-TCP fallback for networks that block UDP: same port number, same codec and dispatcher, one call per connection.
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { DeviceService } from '../../core/devices/devices.js';
import type { NodeConnections } from './connections.js';
import type { Dispatcher } from './dispatch.js';
import type { PeerFaults } from './peer-faults.js';
import { ALPN, type ServerCertificateProvider } from './quic-listener.js';
import { socketRpcStream } from './rpc-stream.js';

export interface TlsListenerOptions {
  devices: DeviceService;
  connections: NodeConnections;
  dispatcher: Dispatcher;
  faults: PeerFaults;
  certificates: ServerCertificateProvider;
  caPem: string;
  host: string;
  port: number;
  logger: Logger;
  /** Open sockets at most. Default 1024. */
  maxConnections?: number;
}

export interface TlsListener {
  port: number;
  close(): Promise<void>;
}

/**
 * TLS 1.3 only, ALPN palyra-quic-v1. The client certificate is requested but not required
 * (`rejectUnauthorized: false`): the dispatcher verifies it per method exactly as on QUIC, so an
 * unpaired node can pair and a bad certificate is refused with an error frame on its first call.
 */
export async function startTlsListener(options: TlsListenerOptions): Promise<TlsListener> {
  const { devices, connections, dispatcher, faults, logger } = options;
  const initial = options.certificates.current();
  const server: Server = createServer({
    key: initial.privateKeyPem,
    cert: initial.chainPem,
    ca: options.caPem,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
    ALPNProtocols: [ALPN],
    handshakeTimeout: 10_000,
    // The client finishes its side after the request; the answer still has to go out.
    allowHalfOpen: true,
  });
  server.maxConnections = options.maxConnections ?? 1024;
  const stopRenewal = options.certificates.onRenewed((certificate) => {
    server.setSecureContext({ key: certificate.privateKeyPem, cert: certificate.chainPem, ca: options.caPem });
  });
  // Every TCP connection, from accept on: one still in its TLS handshake (or silent) would otherwise
  // hold `server.close()` open until the handshake timeout.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.setTimeout(60_000, () => socket.destroy());
    socket.on('error', () => undefined);
    if (socket.alpnProtocol !== ALPN) {
      socket.destroy();
      return;
    }
    const raw = socket.getPeerX509Certificate();
    const certificateDer = raw ? (raw as X509Certificate).raw : null;
    let release: (() => void) | undefined;
    if (certificateDer) {
      try {
        release = connections.add(devices.authenticateCertificate(certificateDer).deviceId, { close: () => socket.destroy() });
      } catch {
        // The dispatcher refuses the call with the reason.
      }
    }
    socket.once('close', () => release?.());
    void dispatcher.serve(socketRpcStream(socket), { address: socket.remoteAddress ?? 'unknown', certificateDer });
  });
  server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => faults.record('tls_handshake_failed', { peer: socket.remoteAddress, error: error.code ?? error.message }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ tls_listen_addr: `${options.host}:${port}` }, 'node RPC TLS fallback listener ready');
  return {
    port,
    async close() {
      stopRenewal();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
