// The SSRF guard of one browser session: a loopback forward proxy every request of its context goes through.
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type NetworkAccess, vetHost, type VettedAddress } from '../../core/net/network-guard.js';
import { pinnedLookup } from '../../core/net/pinned-request.js';

export interface EgressPolicy {
  access: NetworkAccess;
  /** A plain-HTTP response longer than this is cut off and recorded as a refusal. */
  maxResponseBytes: number;
}

/** A request the proxy refused: the guard's reason names the address class, or the size cap. */
export interface EgressRefusal {
  url: string;
  method: string;
  reason: string;
  kind: 'blocked_address' | 'response_too_large' | 'bad_target';
  atMs: number;
}

export interface EgressProxyOptions {
  policy: EgressPolicy;
  logger: Logger;
  onRefusal: (refusal: EgressRefusal) => void;
}

const VET_TIMEOUT_MS = 10_000;
const REMEMBERED_REFUSALS = 256;
const HOP_BY_HOP = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * Chromium sends every request of the session's context here (plain HTTP in absolute form, HTTPS and
 * WebSocket tunnels as CONNECT), loopback included (`<-loopback>` bypass rule), so it never resolves a
 * name itself. Each request's host is resolved and classified by the same guard as palyra.http.fetch
 * (vetHost), and the upstream connection goes to the address that was checked: a DNS answer that
 * changes after the check cannot redirect it. Redirect hops come back as new requests and are checked
 * again. A refusal closes the client connection (net::ERR_EMPTY_RESPONSE / ERR_TUNNEL_CONNECTION_FAILED).
 */
export class EgressProxy {
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly refusals = new Map<string, EgressRefusal>();
  private readonly sockets = new Set<Duplex>();
  private port = 0;

  private constructor(private readonly options: EgressProxyOptions) {
    this.server = http.createServer((req, res) => void this.forward(req, res));
    this.server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void this.tunnel(req, socket, head));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void this.tunnel(req, socket, head));
    this.server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: EgressProxyOptions): Promise<EgressProxy> {
    const proxy = new EgressProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  /** The proxy server setting for the browser context. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The refusal of `url` (or of its origin's tunnel) among the latest ones, if any. */
  refusalFor(url: string): EgressRefusal | undefined {
    const exact = this.refusals.get(url);
    if (exact) return exact;
    try {
      const { host, protocol } = new URL(url);
      return this.refusals.get(`${protocol}//${host}`);
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = parseUrl(req.url ?? '');
    if (!url || url.protocol !== 'http:') {
      this.refuse(req.socket, { url: req.url ?? '', method, kind: 'bad_target', reason: 'only absolute http URLs pass the proxy' });
      return;
    }
    const target = await this.vet(url.hostname, url.href, method, req.socket);
    if (!target) return;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    const upstream = http.request({
      hostname: bareHost(url.hostname),
      port: url.port === '' ? 80 : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      agent: this.agent,
      lookup: pinnedLookup(target),
    });
    upstream.on('error', () => req.socket.destroy());
    upstream.on('response', (upstreamRes) => {
      const cap = this.options.policy.maxResponseBytes;
      const tooLarge = () =>
        this.refuse(req.socket, { url: url.href, method, kind: 'response_too_large', reason: `response_too_large: the response of ${url.origin} exceeds max_response_bytes ${cap}` });
      if (Number(upstreamRes.headers['content-length'] ?? 0) > cap) {
        upstreamRes.destroy();
        tooLarge();
        return;
      }
      const responseHeaders = Object.fromEntries(Object.entries(upstreamRes.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
      res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders);
      let length = 0;
      upstreamRes.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > cap) {
          upstreamRes.destroy();
          tooLarge();
          return;
        }
        res.write(chunk);
      });
      upstreamRes.on('end', () => res.end());
      upstreamRes.on('error', () => req.socket.destroy());
    });
    req.pipe(upstream);
  }

  /** CONNECT host:port (HTTPS, wss) and a proxied WebSocket upgrade: a byte pipe to the vetted address. */
  private async tunnel(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const method = req.method ?? 'CONNECT';
    const isConnect = method === 'CONNECT';
    const url = parseUrl(isConnect ? `https://${req.url ?? ''}` : (req.url ?? ''));
    if (!url) {
      this.refuse(socket, { url: req.url ?? '', method, kind: 'bad_target', reason: 'not a host:port target' });
      return;
    }
    const target = await this.vet(url.hostname, isConnect ? url.origin : url.href, method, socket);
    if (!target) return;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const upstream = net.connect({ host: target.address, port, family: target.family });
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      if (isConnect) socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      else upstream.write(requestHead(req, url));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
  }

  private async vet(hostname: string, url: string, method: string, socket: Duplex): Promise<VettedAddress | undefined> {
    const verdict = await vetHost(hostname, this.options.policy.access, AbortSignal.timeout(VET_TIMEOUT_MS));
    if (verdict.ok) return verdict.target;
    this.refuse(socket, { url, method, kind: verdict.error.startsWith('blocked_address') ? 'blocked_address' : 'bad_target', reason: verdict.error });
    return undefined;
  }

  private refuse(socket: Duplex, refusal: Omit<EgressRefusal, 'atMs'>): void {
    const recorded = { ...refusal, atMs: Date.now() };
    this.refusals.delete(recorded.url);
    this.refusals.set(recorded.url, recorded);
    if (this.refusals.size > REMEMBERED_REFUSALS) this.refusals.delete(this.refusals.keys().next().value as string);
    // The origin only: a query string may carry a secret.
    this.options.logger.warn({ target: originOf(recorded.url), method: recorded.method, kind: recorded.kind, reason: recorded.reason }, 'browser request refused');
    this.options.onRefusal(recorded);
    socket.destroy();
  }
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

function originOf(url: string): string {
  return parseUrl(url)?.origin ?? url.slice(0, 200);
}

/** The request line and headers of a proxied upgrade, in origin form for the upstream server. */
function requestHead(req: http.IncomingMessage, url: URL): string {
  const lines = [`${req.method} ${url.pathname}${url.search} HTTP/1.1`];
  for (let index = 0; index < req.rawHeaders.length; index += 2) {
    const name = req.rawHeaders[index] ?? '';
    if (name.toLowerCase().startsWith('proxy-')) continue;
    lines.push(`${name}: ${req.rawHeaders[index + 1] ?? ''}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
