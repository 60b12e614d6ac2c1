// The first step of every request: security headers, the per-client rate limit, the Host and Origin checks.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CoreError } from '../../core/errors.js';
import { isLoopbackHost } from '../../core/host-names.js';
import type { Metrics } from '../../core/metrics.js';
import { FixedWindowLimiter } from './rate-limit.js';

export interface SecurityOptions {
  tls: boolean;
  rateLimitPerSecond: number;
  /** Origins allowed to make unsafe requests besides the daemon's own (scheme://host[:port]). */
  allowedOrigins: readonly string[];
  /**
   * Host names served besides the loopback ones (`localhost`, 127.0.0.0/8, ::1), or `any` to answer
   * every Host (a non-loopback bind without `http.allowed_hosts`).
   */
  allowedHosts: readonly string[] | 'any';
  metrics: Metrics;
}

/** Content-Security-Policy of every response (the port serves no pages): nothing may load, nothing may frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/** The client's address: the TCP peer, or what a trusted proxy reported; IPv4-mapped IPv6 unwrapped. */
export function clientAddress(request: FastifyRequest): string {
  const ip = request.ip ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** The headers every response of the port carries, whichever step answers it. */
export function securityHeaders(tls: boolean): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': API_CSP,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    throw new CoreError('invalid_argument', `allowed origin is not a URL: ${origin}`);
  }
}

/** The name part of a Host or :authority value, lower case, without brackets, port or trailing dot. */
export function hostName(authority: string): string {
  const name = authority.startsWith('[') ? authority.slice(1, authority.indexOf(']')) : (authority.split(':', 1)[0] as string);
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Refuses unsafe requests a browser sent on behalf of another site. A request without `Origin` is a
 * non-browser client unless Fetch Metadata says it came from elsewhere.
 */
export function checkOrigin(request: FastifyRequest, allowed: ReadonlySet<string>): void {
  const origin = request.headers.origin;
  if (origin === undefined) {
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new CoreError('permission_denied', 'cross-site request refused');
    return;
  }
  const own = `${request.protocol}://${request.host}`.toLowerCase();
  if (origin.toLowerCase() === own || allowed.has(origin.toLowerCase())) return;
  throw new CoreError('permission_denied', `origin ${origin} may not make this request`);
}

/**
 * The port's front door, the same for every response: routed requests pass it in the root onRequest
 * hook, requests the router refuses (bad percent-encoding, over-long path parameters) before their error
 * is sent. The parser's own refusals (431, 408, malformed requests) get its headers in client-errors.ts.
 */
export class RequestGuard {
  readonly headers: Record<string, string>;
  private readonly limiter: FixedWindowLimiter;
  private readonly allowedOrigins: ReadonlySet<string>;
  private readonly allowedHosts: ReadonlySet<string> | 'any';
  private closing = false;

  constructor(private readonly options: SecurityOptions) {
    this.headers = securityHeaders(options.tls);
    this.limiter = new FixedWindowLimiter(options.rateLimitPerSecond);
    this.allowedOrigins = new Set(options.allowedOrigins.map((origin) => normalizeOrigin(origin).toLowerCase()));
    // The usual loopback spellings up front, so most requests skip parsing the name as an address.
    this.allowedHosts = options.allowedHosts === 'any' ? 'any' : new Set(['localhost', '127.0.0.1', '::1', ...options.allowedHosts.map(hostName)]);
  }

  /** From now on every request is refused: the server is closing (called from preClose). */
  close(): void {
    this.closing = true;
  }

  /**
   * Sets the security headers, counts the request against its client's budget, then checks the Host
   * and, on unsafe methods, the Origin.
   * @throws CoreError `unavailable` (503 while closing), `resource_exhausted` (429), `invalid_argument`
   *   (400 without a Host, 421 for a Host not served here), `permission_denied` (foreign Origin).
   */
  admit(request: FastifyRequest, reply: FastifyReply): void {
    reply.headers(this.headers);
    if (this.closing) throw new CoreError('unavailable', 'the daemon is shutting down; retry against the restarted daemon');
    const waitSeconds = this.limiter.take(clientAddress(request));
    if (waitSeconds > 0) {
      this.options.metrics.denials.inc({ code: 'resource_exhausted' });
      throw new CoreError('resource_exhausted', 'rate limit exceeded for this client; retry later', { details: { retryAfterSeconds: waitSeconds } });
    }
    this.checkHost(request);
    if (!isSafeMethod(request.method)) {
      try {
        checkOrigin(request, this.allowedOrigins);
      } catch (error) {
        this.options.metrics.denials.inc({ code: 'permission_denied' });
        throw error;
      }
    }
  }

  /**
   * DNS rebinding: a page of `rebind.example` whose name now resolves to 127.0.0.1 reaches this port
   * as a same-origin client, so only names that cannot be rebound (or that the operator named) pass.
   * HTTP/2 names the host in `:authority`; a `host` header, if also sent, must pass too.
   */
  private checkHost(request: FastifyRequest): void {
    const host = request.host;
    if (host === '') throw new CoreError('invalid_argument', 'a Host header is required (RFC 9112 §3.2)');
    if (this.allowedHosts === 'any') return;
    const authority = request.headers[':authority'];
    for (const value of typeof authority === 'string' && authority !== host ? [host, authority] : [host]) {
      const name = hostName(value);
      if (!this.allowedHosts.has(name) && !isLoopbackHost(name)) {
        throw new CoreError('invalid_argument', `this server does not answer to host ${name}; add it to [http] allowed_hosts to serve it`, {
          details: { status: 421 },
        });
      }
    }
  }
}
