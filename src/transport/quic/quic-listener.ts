// The QUIC listener (@matrixai/quic, patched): TLS 1.3, ALPN palyra-quic-v1, optional client certificates verified in full, one call per bidi stream.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:dgram';
import Logger, { LogLevel } from '@matrixai/logger';
import { events, type QUICConnection, QUICServer, type QUICStream } from '@matrixai/quic';
import type { Logger as PinoLogger } from 'pino';
import type { CertificateRefusal } from '../../core/devices/certificate-authority.js';
import type { DeviceService } from '../../core/devices/devices.js';
import { CoreError, isCoreError } from '../../core/errors.js';
import { CERTIFICATE_ALERTS, QUIC_CRYPTO_ERROR_BASE } from './certificate-alerts.js';
import type { NodeConnections } from './connections.js';
import { type DatagramHandler, installDatagramIntake } from './datagram-intake.js';
import type { Dispatcher } from './dispatch.js';
import type { PeerFaults } from './peer-faults.js';
import { webRpcStream } from './rpc-stream.js';
import { UNAUTHENTICATED_LIMITS, UnauthenticatedBudget } from './unauthenticated-budget.js';

export const ALPN = 'palyra-quic-v1';
/**
 * Idle timeout 30 s, 32 concurrent bidi streams per connection, as in the reference. Neither side sends
 * QUIC keep-alive PINGs by default (the reference: 5 s from each side): a node's heartbeats are its
 * keep-alive, and at 1,000 nodes the PINGs and their ACKs were most of the daemon's idle packets. The
 * daemon sends them only if configured (`[node_rpc] keep_alive_ms`).
 */
export const QUIC_IDLE_TIMEOUT_MS = 30_000;
export const QUIC_MAX_STREAMS_BIDI = 32;

/** Application error codes of the CONNECTION_CLOSE frames the daemon sends; the node host reads them. */
export const QUIC_CLOSE_CODES = {
  shutdown: 0,
  connectionLimit: 2,
  revoked: 3,
  /** A connection without a paired certificate that stopped doing anything useful (UnauthenticatedBudget). */
  unauthenticatedExpired: 4,
  /** At the connection limit, the same device opened a newer connection: the older one is presumed dead (a node holds one). */
  superseded: 5,
} as const;

/** The server certificate the listener presents; renewed without a restart (ServerCertificateSource fits). */
export interface ServerCertificateProvider {
  current(): { privateKeyPem: string; chainPem: string };
  onRenewed(listener: (certificate: { privateKeyPem: string; chainPem: string }) => void): () => void;
}

export interface QuicListenerOptions {
  devices: DeviceService;
  connections: NodeConnections;
  dispatcher: Dispatcher;
  faults: PeerFaults;
  certificates: ServerCertificateProvider;
  /** The daemon CA (PEM): client certificates are checked natively against it, then in full by `verifyCallback`. */
  caPem: string;
  host: string;
  port: number;
  logger: PinoLogger;
  /** Open connections at most; beyond it new connections are closed at once. Default 1024. */
  maxConnections?: number;
  /** The daemon's QUIC keep-alive PING interval; 0 or unset sends none. */
  keepAliveMs?: number;
  /** QUIC idle timeout; default QUIC_IDLE_TIMEOUT_MS. */
  idleTimeoutMs?: number;
}

export interface QuicListener {
  host: string;
  port: number;
  connectionCount(): number;
  close(): Promise<void>;
}

/**
 * The UDP receive buffer asked for (Linux caps it at net.core.rmem_max). With the default (208 KiB) a
 * burst of handshakes, such as every node reconnecting after a restart, overflows it: each dropped
 * Initial costs that client a retransmit after 1 s, then 2 s, 4 s… 300 simultaneous handshakes went
 * from ~16 s (or timeouts) to ~5 s with 4 MiB.
 */
export const QUIC_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

type ArrayBufferish = ArrayBuffer;
const toArrayBuffer = (bytes: Buffer): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/**
 * Starts the listener. Client certificates are optional at the TLS layer (an unpaired node must reach
 * BeginPairing); a certificate that is sent must pass `authenticateCertificate` (chain, validity, EKU,
 * SAN, allow-list, revocation) or the handshake fails with the TLS alert of its `CertificateRefusal`.
 * BoringSSL checks the chain against our CA first (with `verifyPeerOptional` it sends the same alerts
 * for a foreign CA, a bad signature, an expired or a serverAuth-only certificate); `verifyCallback`
 * then checks everything again, our own rules included. Early data is off and peers may open no
 * unidirectional streams (the library's early-stream defects; see docs/node-rpc.md).
 */
export async function startQuicListener(options: QuicListenerOptions): Promise<QuicListener> {
  const { devices, connections, dispatcher, faults, logger } = options;
  const maxConnections = options.maxConnections ?? 1024;
  const retryKey = randomBytes(32);
  const open = new Set<QUICConnection>();
  const initial = options.certificates.current();
  const server = new QUICServer({
    crypto: {
      key: toArrayBuffer(retryKey),
      ops: {
        sign: async (key: ArrayBufferish, data: ArrayBufferish) => toArrayBuffer(createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest()),
        verify: async (key: ArrayBufferish, data: ArrayBufferish, sig: ArrayBufferish) => {
          const expected = createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest();
          const given = Buffer.from(sig);
          return given.length === expected.length && timingSafeEqual(given, expected);
        },
      },
    },
    config: {
      key: initial.privateKeyPem,
      cert: initial.chainPem,
      ca: options.caPem,
      verifyPeer: true,
      verifyPeerOptional: true,
      verifyCallback: async (certs: Uint8Array[]) => {
        const leaf = certs[0];
        if (!leaf) return undefined;
        try {
          devices.authenticateCertificate(leaf);
          return undefined;
        } catch (error) {
          const reason = isCoreError(error) ? error.details.reason : undefined;
          const alert = typeof reason === 'string' && Object.hasOwn(CERTIFICATE_ALERTS, reason) ? CERTIFICATE_ALERTS[reason as CertificateRefusal] : CERTIFICATE_ALERTS.bad_certificate;
          return QUIC_CRYPTO_ERROR_BASE + alert;
        }
      },
      applicationProtos: [ALPN],
      enableEarlyData: false,
      initialMaxStreamsUni: 0,
      initialMaxStreamsBidi: QUIC_MAX_STREAMS_BIDI,
      maxIdleTimeout: options.idleTimeoutMs ?? QUIC_IDLE_TIMEOUT_MS,
      ...(options.keepAliveMs ? { keepAliveIntervalTime: options.keepAliveMs } : {}),
    },
    logger: new Logger('quic', LogLevel.ERROR),
  });
  const stopRenewal = options.certificates.onRenewed((certificate) => {
    // New connections get the new certificate; open ones keep theirs.
    server.updateConfig({ key: certificate.privateKeyPem, cert: certificate.chainPem });
    logger.info('QUIC server certificate renewed');
  });

  /** Each paired device's open QUIC connections, oldest first, and how to let one go at once. */
  const byDevice = new Map<string, Array<{ connection: QUICConnection; supersede: () => void }>>();
  server.addEventListener(events.EventQUICServerConnection.name, (event: Event) => {
    const connection = (event as events.EventQUICServerConnection).detail;
    // The daemon's own closes (limit, superseded, revoked, unauthenticated) send CONNECTION_CLOSE and let the
    // connection go without QUIC's draining period (3 PTO): after a reconnect storm the superseded peers are
    // dead, their RTT estimates inflated, and draining kept hundreds of them (their memory, and shutdown) for seconds.
    const stop = (code: number, reason = '') => void connection.stop({ isApp: true, errorCode: code, reason: Buffer.from(reason), force: true, drain: false }).catch(() => undefined);
    const certificateDer = connection.getRemoteCertsChain()[0] ?? null;
    const peer = { address: connection.remoteHost, certificateDer };
    let deviceId: string | null = null;
    if (certificateDer) {
      try {
        deviceId = devices.authenticateCertificate(certificateDer).deviceId;
      } catch {
        // Revoked between the handshake and now: the first stream gets the refusal.
      }
    }
    // At the limit, a paired device's new connection takes the slot of its own oldest one: a node holds
    // one connection, so after a reconnect storm the old one is dead and would otherwise keep its slot
    // (and the device's presence) until the idle timeout while the live redial is refused.
    if (open.size >= maxConnections && deviceId) byDevice.get(deviceId)?.[0]?.supersede();
    if (open.size >= maxConnections) {
      faults.record('connection_limit', { peer: connection.remoteHost, max: maxConnections });
      stop(QUIC_CLOSE_CODES.connectionLimit);
      return;
    }
    open.add(connection);
    let release: (() => void) | undefined;
    if (deviceId) {
      const device = deviceId;
      const presence = connections.add(device, { close: (reason) => stop(QUIC_CLOSE_CODES.revoked, reason) });
      release = () => {
        open.delete(connection);
        presence();
        const held = (byDevice.get(device) ?? []).filter((entry) => entry.connection !== connection);
        if (held.length > 0) byDevice.set(device, held);
        else byDevice.delete(device);
      };
      const releaseNow = release;
      byDevice.set(device, [
        ...(byDevice.get(device) ?? []),
        {
          connection,
          supersede: () => {
            releaseNow();
            faults.record('superseded', { peer: peer.address });
            stop(QUIC_CLOSE_CODES.superseded, 'superseded by a newer connection of this device');
          },
        },
      ]);
    }
    const budget = release
      ? null
      : new UnauthenticatedBudget(UNAUTHENTICATED_LIMITS, (why) => {
          faults.record(`unauthenticated_${why}`, { peer: peer.address });
          stop(QUIC_CLOSE_CODES.unauthenticatedExpired);
        });
    connection.addEventListener(
      events.EventQUICConnectionStopped.name,
      () => {
        open.delete(connection);
        budget?.close();
        release?.();
      },
      { once: true },
    );
    connection.addEventListener(events.EventQUICConnectionStream.name, (streamEvent: Event) => {
      const stream = (streamEvent as events.EventQUICConnectionStream).detail as QUICStream;
      if (stream.type !== 'bidi') {
        stream.cancel(new Error('unidirectional streams are not used'));
        return;
      }
      if (budget && !budget.admitStream()) {
        const refusal = new CoreError('resource_exhausted', `a connection without a paired certificate may run ${UNAUTHENTICATED_LIMITS.maxStreams} calls at once`, { details: { reason: 'stream_limit' } });
        void dispatcher.refuse(webRpcStream(stream), peer, refusal);
        return;
      }
      void dispatcher.serve(webRpcStream(stream), peer).then((outcome) => budget?.streamEnded(outcome.answered));
    });
  });
  await server.start({ host: options.host, port: options.port });
  const { socket, handleSocketMessage } = librarySocket(server);
  enlargeReceiveBuffer(socket, logger);
  installDatagramIntake(socket, handleSocketMessage, {
    onDrop: () => faults.record('datagram_queue_full'),
    onError: (error) => logger.warn({ err: error }, 'QUIC datagram handling failed'),
  });
  logger.info({ quic_listen_addr: `${server.host}:${server.port}` }, 'node RPC QUIC listener ready');
  return {
    host: server.host,
    port: server.port,
    connectionCount: () => open.size,
    async close() {
      stopRenewal();
      await server.stop({ isApp: true, errorCode: QUIC_CLOSE_CODES.shutdown, force: true });
    },
  };
}

/** The library keeps its dgram socket and the socket's message handler protected and has no option for either. */
function librarySocket(server: QUICServer): { socket: Socket; handleSocketMessage: DatagramHandler } {
  const quicSocket = (server as unknown as { socket?: { socket?: Socket; handleSocketMessage?: DatagramHandler } }).socket;
  if (!quicSocket?.socket || !quicSocket.handleSocketMessage) throw new Error('the QUIC server has no dgram socket and message handler where expected');
  return { socket: quicSocket.socket, handleSocketMessage: quicSocket.handleSocketMessage };
}

/** Best effort: Linux caps the size at net.core.rmem_max. */
function enlargeReceiveBuffer(socket: Socket, logger: PinoLogger): void {
  try {
    socket.setRecvBufferSize(QUIC_RECV_BUFFER_BYTES);
  } catch (error) {
    logger.warn({ err: error }, 'could not enlarge the QUIC UDP receive buffer');
  }
}
