// The first steps of every request: security headers, the per-client rate limit and the Origin check.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError } from '../../core/errors.js';
import type { Metrics } from '../../core/metrics.js';
import { FixedWindowLimiter } from './rate-limit.js';

export interface SecurityOptions {
  tls: boolean;
  rateLimitPerSecond: number;
  /** Origins allowed to make unsafe requests besides the daemon's own (scheme://host[:port]). */
  allowedOrigins: readonly string[];
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

function baseHeaders(tls: boolean): Record<string, string> {
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

/** Adds the hooks on `app` (the root, so 404s and errors get the headers too). */
export function registerSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const headers = baseHeaders(options.tls);
  const limiter = new FixedWindowLimiter(options.rateLimitPerSecond);
  const allowed = new Set(options.allowedOrigins.map((origin) => normalizeOrigin(origin).toLowerCase()));
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(headers);
    const waitSeconds = limiter.take(clientAddress(request));
    if (waitSeconds > 0) {
      options.metrics.denials.inc({ code: 'resource_exhausted' });
      throw new CoreError('resource_exhausted', 'rate limit exceeded for this client; retry later', { details: { retryAfterSeconds: waitSeconds } });
    }
    if (!isSafeMethod(request.method)) {
      try {
        checkOrigin(request, allowed);
      } catch (error) {
        options.metrics.denials.inc({ code: 'permission_denied' });
        throw error;
      }
    }
  });
}
