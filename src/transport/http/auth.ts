// Bearer authentication for /admin/v1: extracts the credential and identity headers, the core decides.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: CallContext;
  }
}

/** `Bearer <token>`; the scheme is case-insensitive. Anything else counts as no credential. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer\s+(\S.*)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The signal aborts when the client goes away before the response was sent. */
function requestSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Adds an onRequest hook that authenticates every route of this (encapsulated) plugin. */
export function requireBearer(app: FastifyInstance, core: Core): void {
  app.decorateRequest('ctx', null as unknown as CallContext);
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
