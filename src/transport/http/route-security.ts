// What each route needs, declared once: the credential of its scope and the core action it performs, published as OpenAPI `security`.
import type { FastifyInstance } from 'fastify';
import { type Action, ACTION_SCOPES } from '../../core/auth/authorize.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The core action the route performs: its one scope is what the route needs (`ACTION_SCOPES`). */
    action?: Action;
  }
}

/** The OpenAPI security schemes of the port (components.securitySchemes). */
export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'the admin token, or an API or session token holding the scope an operation lists' },
  consoleSession: { type: 'apiKey', in: 'cookie', name: 'palyra_console_session', description: 'a console session (it holds every scope)' },
  canvasToken: { type: 'apiKey', in: 'query', name: 'token', description: 'a canvas token (minted by the console or CreateCanvas) that opens one canvas' },
} as const;

export type Credential = keyof typeof SECURITY_SCHEMES | 'none';

/**
 * Adds an onRoute hook to `app` (a scope whose routes all take `credential`) that writes each route's
 * `schema.security`: `[]` for public routes, else the credential with the scope of the route's declared
 * action (no scope: any valid credential). The core enforces that scope; the matrix test proves each
 * operation refuses a token without it and accepts one with only it.
 */
export function declareSecurity(app: FastifyInstance, credential: Credential): void {
  app.addHook('onRoute', (route) => {
    const action = route.config?.action;
    const security = credential === 'none' || route.config?.publicRoute ? [] : [{ [credential]: action ? [ACTION_SCOPES[action]] : [] }];
    route.schema = { ...route.schema, security };
  });
}
