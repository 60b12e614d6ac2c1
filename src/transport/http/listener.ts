// The admin port's socket layer: HTTP/1.1 and HTTP/2 on one port (TLS + ALPN, or cleartext preface sniffing).
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

/** The request handler Fastify hands to `serverFactory`. */
export type RequestHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** What Fastify needs from its server, plus the hooks graceful shutdown uses. */
export interface DualProtocolServer extends net.Server {
  /** Ends HTTP/1.1 connections (after their pending writes) and closes HTTP/2 sessions. */
  closeAllConnections(): void;
  /** Open connections by protocol (diagnostics). */
  connectionCounts(): { http1: number; http2: number };
}

// The fixed client connection preface of HTTP/2 (RFC 9113 §3.4).
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
// A session that ignores GOAWAY this long after shutdown began is destroyed.
const SESSION_CLOSE_GRACE_MS = 500;
// A cleartext client that sends nothing this long is dropped (slowloris guard for the sniffer).
const PREFACE_TIMEOUT_MS = 10_000;

/**
 * Builds the server Fastify listens on. With TLS, one `http2` secure server negotiates h2 or
 * http/1.1 by ALPN. In cleartext, a `net` server reads the first bytes of each connection: the
 * HTTP/2 preface goes to an `http2` server (prior knowledge), anything else to an `http` server.
 * Both share Fastify's handler.
 */
export function createDualProtocolServer(handler: RequestHandler, tls?: TlsMaterial): DualProtocolServer {
  const sessions = new Set<http2.Http2Session>();
  const sockets = new Set<Duplex>();
  const h2Sockets = new WeakSet<Duplex>();
  const h2Options: http2.ServerOptions = { settings: { maxConcurrentStreams: 1000 } };
  const track = (session: http2.Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  };

  let front: net.Server;
  if (tls) {
    const secure = http2.createSecureServer({ ...h2Options, ...tls, allowHTTP1: true }, handler as never);
    secure.on('session', track);
    secure.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') h2Sockets.add(socket);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    front = secure;
  } else {
    const h1 = http.createServer(handler);
    const h2 = http2.createServer(h2Options, handler as never);
    h2.on('session', track);
    front = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      sniff(socket, (isH2) => {
        if (isH2) h2Sockets.add(socket);
        (isH2 ? h2 : h1).emit('connection', socket);
      });
    });
  }

  const server = front as DualProtocolServer;
  server.closeAllConnections = () => {
    for (const session of sessions) {
      session.close();
      setTimeout(() => session.destroy(), SESSION_CLOSE_GRACE_MS).unref();
    }
    for (const socket of sockets) {
      if (h2Sockets.has(socket)) continue;
      (socket as net.Socket).destroySoon?.();
      setTimeout(() => socket.destroy(), SESSION_CLOSE_GRACE_MS).unref();
    }
  };
  server.connectionCounts = () => ({ http1: Math.max(0, sockets.size - sessions.size), http2: sessions.size });
  return server;
}

/** Reads until the first bytes tell HTTP/2 prior knowledge apart from HTTP/1.x, then hands the socket on. */
function sniff(socket: net.Socket, decide: (isH2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), PREFACE_TIMEOUT_MS);
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
