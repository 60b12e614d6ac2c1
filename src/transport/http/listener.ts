// The admin port's socket layer: HTTP/1.1 and HTTP/2 on one port (TLS + ALPN, or cleartext preface sniffing).
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import nodeTls, { type TLSSocket } from 'node:tls';
import { http } from '../../core/net/node-http.js';

export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

export interface ConnectionTimeouts {
  /** The TLS handshake (or in cleartext the first bytes), then each whole HTTP/1.1 request, must arrive within this. */
  requestTimeoutMs: number;
  /** HTTP/2 sessions without traffic this long are closed (this also reaps sessions a protocol error left behind). */
  idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_TIMEOUTS: ConnectionTimeouts = { requestTimeoutMs: 30_000, idleTimeoutMs: 120_000 };

/** The request handler Fastify hands to `serverFactory`. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** What Fastify needs from its server, plus the hooks graceful shutdown uses. */
export interface DualProtocolServer extends net.Server {
  /**
   * Ends HTTP/1.1 connections (after their pending writes) and closes HTTP/2 sessions (GOAWAY); after
   * a short grace every connection still open, TLS handshakes included, is destroyed.
   */
  closeAllConnections(): void;
  /** Open connections by protocol (diagnostics). */
  connectionCounts(): { http1: number; http2: number };
}

// The fixed client connection preface of HTTP/2 (RFC 9113 §3.4).
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
// A connection still open this long after shutdown began (a session that ignores GOAWAY) is destroyed.
const CLOSE_GRACE_MS = 500;

/**
 * Builds the server Fastify listens on: a front server that only accepts connections and decides
 * the protocol, and an `http` and an `http2` server that both run Fastify's handler. With TLS the
 * front is a `tls` server and ALPN decides (h2 or http/1.1); in cleartext it is a `net` server that
 * reads the first bytes: the HTTP/2 preface means prior knowledge, anything else HTTP/1.1. Either
 * way the same timeouts and limits apply to both protocols. `onForcedClose` hears how many connections
 * shutdown had to destroy after its grace period.
 */
export function createDualProtocolServer(
  handler: RequestHandler,
  tls?: TlsMaterial,
  timeouts: ConnectionTimeouts = DEFAULT_CONNECTION_TIMEOUTS,
  onForcedClose: (connections: number) => void = () => undefined,
): DualProtocolServer {
  const sessions = new Set<http2.Http2Session>();
  // Every accepted TCP connection, from accept on (with TLS also those still in their handshake).
  const connections = new Set<net.Socket>();
  // The sockets handed to the HTTP/1.1 server (TLS sockets under TLS).
  const h1Sockets = new Set<Duplex>();

  // A slow client (slowloris, a body that never completes) holds a connection at most requestTimeoutMs.
  // A missing Host is refused by the request pipeline (with the error envelope), not by Node's bare 400.
  const h1 = http.createServer(
    {
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, timeouts.requestTimeoutMs),
      requireHostHeader: false,
    },
    handler,
  );
  // Node starts enforcing those timeouts when a server starts listening; this one never listens
  // itself (the front server hands it sockets), so it is told it did, and closed with the front.
  h1.emit('listening');
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 1000 } }, handler as never);
  // Node's HTTP/2 leaves a session open after it answered a protocol error with GOAWAY; the idle
  // timeout is what closes it (and any session a client abandoned).
  h2.setTimeout(timeouts.idleTimeoutMs);
  h2.on('session', (session: http2.Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  h2.on('stream', (stream: http2.ServerHttp2Stream) => limitRequestTime(stream, timeouts.requestTimeoutMs));
  const dispatch = (socket: Duplex, isH2: boolean) => {
    if (!isH2) {
      h1Sockets.add(socket);
      socket.once('close', () => h1Sockets.delete(socket));
    }
    (isH2 ? h2 : h1).emit('connection', socket);
  };

  const front: net.Server = tls
    ? tlsFront(tls, timeouts.requestTimeoutMs, (socket) => dispatch(socket, socket.alpnProtocol === 'h2'))
    : net.createServer((socket) => sniff(socket, timeouts.requestTimeoutMs, (isH2) => dispatch(socket, isH2)));
  // 'connection' is the raw TCP socket in both cases; destroying it also ends a TLS socket over it.
  front.on('connection', (socket: net.Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  front.once('close', () => h1.close());
  // The parser's refusals (400, 408, 431) are answered where Fastify listens: on the server it was given.
  h1.on('clientError', (error: Error, socket: Duplex) => {
    if (!front.emit('clientError', error, socket)) socket.destroy();
  });

  const server = front as DualProtocolServer;
  server.closeAllConnections = () => {
    for (const session of sessions) session.close();
    for (const socket of h1Sockets) (socket as net.Socket).destroySoon?.();
    // Destroying the session is not enough: Node then ends its socket and waits for the peer's FIN,
    // which a client that stopped reading never sends; the socket sat in FIN-WAIT-2 and the server's
    // close (so the daemon's shutdown) never completed (issue 10 item 7). The TCP socket is destroyed.
    const open = [...connections];
    setTimeout(() => {
      const forced = open.filter((socket) => !socket.destroyed);
      for (const socket of forced) socket.destroy();
      if (forced.length > 0) onForcedClose(forced.length);
    }, CLOSE_GRACE_MS).unref();
  };
  server.connectionCounts = () => ({ http1: h1Sockets.size, http2: sessions.size });
  return server;
}

/**
 * HTTP/2's counterpart of HTTP/1.1's request timeout: a stream whose request (headers and body) has not
 * fully arrived within `timeoutMs` is reset (RST_STREAM CANCEL). Traffic on other streams keeps the
 * session from idling out, so without this one trickled body could hold a stream open for ever.
 */
function limitRequestTime(stream: http2.ServerHttp2Stream, timeoutMs: number): void {
  if (stream.state.remoteClose) return;
  const timer = setTimeout(() => {
    // remoteClose: the peer sent END_STREAM, the request is complete whether or not it was read yet.
    if (!stream.destroyed && !stream.state.remoteClose) stream.close(http2.constants.NGHTTP2_CANCEL);
  }, timeoutMs);
  timer.unref();
  stream.once('close', () => clearTimeout(timer));
}

/** A TLS server offering h2 and http/1.1 by ALPN; a handshake must finish within `handshakeTimeoutMs`. */
function tlsFront(material: TlsMaterial, handshakeTimeoutMs: number, onSecure: (socket: TLSSocket) => void): net.Server {
  const server = nodeTls.createServer({ ...material, ALPNProtocols: ['h2', 'http/1.1'], handshakeTimeout: handshakeTimeoutMs }, onSecure);
  // A timed-out or failed handshake is only reported; the connection stays open unless it is destroyed here.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return server;
}

/** Reads until the first bytes tell HTTP/2 prior knowledge apart from HTTP/1.x, then hands the socket on. */
function sniff(socket: net.Socket, timeoutMs: number, decide: (isH2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  // A client that sends nothing (or half a preface) is dropped: the sniffer's slowloris guard.
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref();
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const compared = Math.min(seen.length, H2_PREFACE.length);
    const matches = seen.subarray(0, compared).equals(H2_PREFACE.subarray(0, compared));
    if (matches && seen.length < H2_PREFACE.length) return;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.pause();
    socket.unshift(seen);
    decide(matches);
    if (!matches) socket.resume();
  };
  const onError = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  socket.on('data', onData);
  socket.once('error', onError);
}
