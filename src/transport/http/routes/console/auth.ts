// /console/v1/auth: login with the admin token (cookie + CSRF token), the current session, logout.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CoreError, isCoreError } from '../../../../core/errors.js';
import type { ApiDeps } from '../../api-deps.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from '../../auth.js';
import Type from 'typebox';
import { responses } from '../../schemas/common.js';
import { ConsoleLoginWire, LoginBody, consoleSessionToWire } from '../../schemas/sessions.js';
import { clientAddress } from '../../security.js';

function loginKey(request: FastifyRequest): string {
  return `console-login:${clientAddress(request)}`;
}

export async function consoleAuthRoutes(parent: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core } = deps;

  app.post('/auth/login', { schema: { body: LoginBody, response: responses(200, ConsoleLoginWire) }, config: { publicRoute: true } }, async (request, reply) => {
    const key = loginKey(request);
    core.consoleSessions.checkLockout(key);
    const body = request.body;
    let ctx;
    try {
      ctx = core.auth.authenticate({ bearer: body.admin_token, principal: body.principal, deviceId: body.device_id, channel: body.channel, requestId: request.id });
    } catch (error) {
      if (isCoreError(error, 'unauthenticated')) core.consoleSessions.recordFailedLogin(key);
      throw error;
    }
    // A console session holds every scope, so only the admin token itself may open one.
    if (ctx.credential !== 'admin_token') {
      core.metrics.denials.inc({ code: 'permission_denied' });
      throw new CoreError('permission_denied', 'console login needs the admin token, not an API or session token');
    }
    core.consoleSessions.clearFailedLogins(key);
    const login = await core.consoleSessions.open(ctx);
    const opened = core.consoleSessions.authenticate(login.sessionToken);
    reply.header('set-cookie', sessionCookie(login.sessionToken, Math.floor(opened.remainingMs / 1000), deps.tls));
    return reply.code(200).send({ session: consoleSessionToWire(login.session, opened.ctx.expiresAtMs ?? login.session.expiresAtMs), csrf_token: login.csrfToken });
  });

  app.get('/auth/session', { schema: { response: responses(200, ConsoleLoginWire) } }, async (request) => {
    const session = request.consoleSession as NonNullable<typeof request.consoleSession>;
    // The cookie was already verified by the console auth hook; the CSRF token is derived from it.
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE) as string;
    return { session: consoleSessionToWire(session, request.ctx.expiresAtMs ?? session.expiresAtMs), csrf_token: core.consoleSessions.csrfTokenFor(cookie) };
  });

  app.post('/auth/logout', { schema: { response: responses(200, Type.Object({ signed_out: Type.Boolean() })) } }, async (request, reply) => {
    await core.consoleSessions.logout(request.ctx);
    reply.removeHeader('set-cookie');
    reply.header('set-cookie', clearedSessionCookie(deps.tls));
    return { signed_out: true };
  });
}
