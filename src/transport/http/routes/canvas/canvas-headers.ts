// The headers of /canvas/v1: frameable only by the console, loadable from a sandboxed (opaque-origin) frame, never cached.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The daemon's own origin as the browser sees it (the console is served from it). */
export function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`.toLowerCase();
}

/**
 * The frame's policy: an opaque-origin sandbox with scripts (never `allow-same-origin`), nothing loaded
 * but the runtime, its stylesheet, this canvas's bundle and its state/events, framed only by the console.
 */
export function frameCsp(origin: string, canvasId: string, consoleOrigins: readonly string[]): string {
  const base = `${origin}/canvas/v1`;
  return [
    'sandbox allow-scripts',
    "default-src 'none'",
    `script-src ${base}/runtime.js`,
    `style-src ${base}/runtime.css`,
    `img-src ${base}/bundle/${canvasId}/`,
    `connect-src ${base}/state/${canvasId} ${base}/events/${canvasId}`,
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${[origin, ...consoleOrigins].join(' ')}`,
  ].join('; ');
}

/** Opened on its own, an asset or a data response is an inert sandboxed document. */
export const INERT_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'";

/**
 * Replaces the port's defaults (`X-Frame-Options: DENY`, same-origin CORP) for a response the sandboxed
 * frame loads: its origin is opaque, so to the browser every load is cross-origin. No credentials are
 * ever allowed: the token in the query is the only authority.
 */
export function allowSandboxedLoad(reply: FastifyReply, csp: string): void {
  reply.removeHeader('x-frame-options');
  reply.header('content-security-policy', csp);
  reply.header('cross-origin-resource-policy', 'cross-origin');
  reply.header('access-control-allow-origin', '*');
}
