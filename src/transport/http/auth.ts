// Credentials on the HTTP API: bearer tokens (/admin/v1, /metrics) and console session cookies + CSRF (/console/v1).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CallContext, LazySignal } from '../../core/context.js';
import type { ConsoleSessionRecord } from '../../core/auth/store.js';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { isSafeMethod } from './security.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: CallContext;
    /** The console session behind `ctx` (console routes only). */
    consoleSession: ConsoleSessionRecord | null;
  }
  interface FastifyContextConfig {
    /** The route authenticates by itself (console login). */
    publicRoute?: boolean;
  }
}

export const SESSION_COOKIE = 'palyra_console_session';
export const CSRF_HEADER = 'x-palyra-csrf-token';

/** `Bearer <token>`; the scheme is case-insensitive. Anything else counts as no credential. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer\s+(\S.*)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request's cancel signal, made on first use (see SignalSource): it aborts when the client goes
 * away before the response ended. `writableEnded`, not `writableFinished`: an HTTP/2 stream the client
 * reset reports itself finished.
 */
export function requestSignal(reply: FastifyReply): () => AbortSignal {
  const lazy = new LazySignal();
  // The response is reached through `this`: a closure that captured it measurably raised
  // garbage-collection time per request.
  reply.raw.on('close', function (this: FastifyReply['raw']) {
    if (!this.writableEnded) lazy.abort();
  });
  return lazy.source;
}

/** The first value of `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** `Set-Cookie` for the session: HttpOnly, SameSite=Lax, Path=/, Secure under TLS; no Domain. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('deleted', 0, secure);
}

/** Adds an onRequest hook that authenticates every route of this (encapsulated) plugin with a bearer token. */
export function requireBearer(app: FastifyInstance, core: Core): void {
  app.addHook('onRequest', async (request, reply) => {
    request.ctx = core.auth.authenticate({
      bearer: bearerToken(headerValue(request, 'authorization')),
      principal: headerValue(request, 'x-palyra-principal'),
      deviceId: headerValue(request, 'x-palyra-device-id'),
      channel: headerValue(request, 'x-palyra-channel'),
      signal: requestSignal(reply),
      requestId: request.id,
    });
  });
}

/**
 * Adds an onRequest hook that authenticates every route of this plugin with the console session
 * cookie (401 without a live session) and checks the CSRF token on every unsafe method (403).
 * Identity comes from the session only; `x-palyra-*` headers are ignored. When the server slides the
 * idle deadline (at most every 30 s), the response re-issues the cookie with the new Max-Age, so the
 * browser's copy expires when the server's does.
 */
export function requireConsoleSession(app: FastifyInstance, core: Core, options: { secure: boolean }): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.publicRoute) return;
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    let authenticated;
    try {
      if (!token) throw new CoreError('unauthenticated', 'sign in first: the console session cookie is missing');
      authenticated = core.consoleSessions.authenticate(token, { signal: requestSignal(reply), requestId: request.id });
    } catch (error) {
      core.metrics.denials.inc({ code: 'unauthenticated' });
      throw error;
    }
    if (!isSafeMethod(request.method)) {
      try {
        core.consoleSessions.checkCsrf(authenticated.session, headerValue(request, CSRF_HEADER)?.trim());
      } catch (error) {
        core.metrics.denials.inc({ code: 'permission_denied' });
        throw error;
      }
    }
    request.ctx = authenticated.ctx;
    request.consoleSession = authenticated.session;
    if (authenticated.renewed) reply.header('set-cookie', sessionCookie(token, Math.floor(authenticated.remainingMs / 1000), options.secure));
  });
}

/** Declares the request properties the auth hooks fill (once, on the root). */
export function decorateAuth(app: FastifyInstance): void {
  app.decorateRequest('ctx', null as unknown as CallContext);
  app.decorateRequest('consoleSession', null);
}
