// The node's way to the daemon: QUIC first (pinned to the daemon CA), then TLS over TCP on the same port number.
import { webcrypto } from 'node:crypto';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import Logger, { LogLevel } from '@matrixai/logger';
import { events, native, QUICClient } from '@matrixai/quic';
import { CoreError } from '../../core/errors.js';
import { SERVER_COMMON_NAME } from '../../infra/crypto/server-certificate.js';
import { verifyPinnedServerChain } from '../../infra/crypto/server-pin.js';
import { ALPN, QUIC_IDLE_TIMEOUT_MS } from '../../transport/quic/quic-listener.js';
import { type RpcStream, socketRpcStream, webRpcStream } from '../../transport/quic/rpc-stream.js';

export type TransportChoice = 'auto' | 'quic' | 'tcp';

export interface DialOptions {
  host: string;
  port: number;
  /** The daemon CA fingerprint (join string, or the stored CA once paired). */
  caFingerprint: string;
  /** The device certificate and its key; absent while pairing. */
  clientCertificate?: { privateKeyPem: string; certificatePem: string } | null;
  transport?: TransportChoice;
  /** Handshake budget per transport. Default 5 s. */
  timeoutMs?: number;
}

/** One connection to the daemon; each call opens a stream on it (QUIC) or a socket of its own (TCP). */
export interface NodeLink {
  kind: 'quic' | 'tcp';
  openStream(): Promise<RpcStream>;
  /** Resolves when the connection is gone (QUIC) — never for TCP, whose sockets are per call. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Dials QUIC, then (for `auto`) TLS over TCP. @throws CoreError `unavailable` when neither works. */
export async function dial(options: DialOptions): Promise<NodeLink> {
  const choice = options.transport ?? 'auto';
  let quicError: unknown;
  if (choice !== 'tcp') {
    try {
      return await dialQuic(options);
    } catch (error) {
      if (choice === 'quic') throw unavailable('QUIC', options, error);
      quicError = error;
    }
  }
  try {
    const probe = await openTlsStream(options);
    probe.destroy();
    return {
      kind: 'tcp',
      openStream: () => openTlsStream(options),
      closed: new Promise<void>(() => undefined),
      close: async () => undefined,
    };
  } catch (error) {
    throw unavailable(quicError ? 'QUIC and TLS' : 'TLS', options, error);
  }
}

function unavailable(what: string, options: DialOptions, cause: unknown): CoreError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new CoreError('unavailable', `cannot reach palyrad at ${options.host}:${options.port} over ${what}: ${message}`, { cause });
}

function pinCheck(options: DialOptions, chain: readonly Uint8Array[]): void {
  verifyPinnedServerChain(chain, { caFingerprint: options.caFingerprint, nowMs: Date.now(), serverName: SERVER_COMMON_NAME });
}

async function dialQuic(options: DialOptions): Promise<NodeLink> {
  const client = await QUICClient.createQUICClient(
    {
      host: options.host,
      port: options.port,
      serverName: SERVER_COMMON_NAME,
      crypto: {
        ops: {
          randomBytes: async (data: ArrayBuffer) => {
            webcrypto.getRandomValues(new Uint8Array(data));
          },
        },
      },
      config: {
        ...(options.clientCertificate ? { key: options.clientCertificate.privateKeyPem, cert: options.clientCertificate.certificatePem } : {}),
        verifyPeer: true,
        verifyCallback: async (certs: Uint8Array[]) => {
          try {
            pinCheck(options, certs);
            return undefined;
          } catch {
            return native.CryptoError.BadCertificate;
          }
        },
        applicationProtos: [ALPN],
        enableEarlyData: false,
        initialMaxStreamsUni: 0,
        // No keep-alive PINGs: the heartbeats keep the connection busy (node-host.ts, heartbeatDelayMs).
        maxIdleTimeout: QUIC_IDLE_TIMEOUT_MS,
      },
      logger: new Logger('quic-client', LogLevel.ERROR),
    },
    { timer: options.timeoutMs ?? 5_000 },
  );
  const connection = client.connection;
  const closed = new Promise<void>((resolve) => {
    connection.addEventListener(events.EventQUICConnectionStopped.name, () => resolve(), { once: true });
  });
  // A refused certificate or an idle timeout arrives as an error event; `closed` reports it.
  client.addEventListener(events.EventQUICClientError.name, () => undefined);
  return {
    kind: 'quic',
    openStream: async () => {
      try {
        return webRpcStream(connection.newStream('bidi'));
      } catch (error) {
        // The daemon may have closed the connection before the first stream (a refused certificate's
        // alert arrives right after the handshake): report why, as a failed stream would.
        const closed = connection.getConnectionError();
        throw closed ? Object.assign(new Error('the daemon closed the connection'), { data: closed, cause: error }) : error;
      }
    },
    closed,
    // Destroying a connection the server already refused can wait forever on the library's close; bounded.
    close: () =>
      Promise.race([
        client.destroy({ isApp: true, errorCode: 0, force: true }).catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref()),
      ]),
  };
}

function openTlsStream(options: DialOptions): Promise<RpcStream> {
  return new Promise<RpcStream>((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({
      host: options.host,
      port: options.port,
      servername: SERVER_COMMON_NAME,
      ALPNProtocols: [ALPN],
      minVersion: 'TLSv1.3',
      // The chain is checked against the pinned CA below; there are no system roots to trust.
      rejectUnauthorized: false,
      ...(options.clientCertificate ? { key: options.clientCertificate.privateKeyPem, cert: options.clientCertificate.certificatePem } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('TLS handshake timed out'));
    }, options.timeoutMs ?? 5_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      try {
        pinCheck(options, peerChain(socket.getPeerCertificate(true)));
      } catch (error) {
        socket.destroy();
        reject(error);
        return;
      }
      socket.on('error', () => undefined);
      resolve(socketRpcStream(socket));
    });
  });
}

function peerChain(leaf: PeerCertificate & { issuerCertificate?: PeerCertificate }): Buffer[] {
  const chain: Buffer[] = [];
  let current: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = leaf;
  while (current?.raw && chain.length < 4) {
    chain.push(current.raw);
    if (current.issuerCertificate === current) break;
    current = current.issuerCertificate;
  }
  return chain;
}
