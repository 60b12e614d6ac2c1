// GET /admin/v1/status: what the daemon is doing right now.
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { BrowserStatus } from '../../../../core/browser/browser-port.js';
import type { Core } from '../../../../core/index.js';
import { nullable, responses } from '../../schemas/common.js';

export interface StatusInfo {
  version: string;
  startedAtMs: number;
  listeners: () => Record<string, string | null>;
}

export const StatusWire = Type.Object({
  service: Type.String(),
  version: Type.String(),
  pid: Type.Integer(),
  uptime_seconds: Type.Integer(),
  listeners: Type.Record(Type.String(), nullable(Type.String())),
  model: Type.String(),
  active_runs: Type.Integer(),
  pending_approvals: Type.Integer(),
  journal: Type.Object({ events: Type.Integer(), head_hash: nullable(Type.String()) }),
  browser: nullable(
    Type.Object({
      enabled: Type.Boolean(),
      state: Type.String({ description: 'disabled, starting, up, restarting or down' }),
      reason: Type.String({ description: 'why the browser service is on or off' }),
      embedded: Type.Boolean(),
      endpoint: nullable(Type.String()),
      chromium: nullable(Type.String()),
      restarts: Type.Integer(),
      last_error: nullable(Type.String()),
    }),
  ),
});

/** The status document shared by /admin/v1/status and /console/v1/diagnostics. */
export async function daemonStatus(core: Core, info: StatusInfo): Promise<Static<typeof StatusWire>> {
  const head = await core.journal.head();
  return {
    service: 'palyrad',
    version: info.version,
    pid: process.pid,
    uptime_seconds: Math.floor((Date.now() - info.startedAtMs) / 1000),
    listeners: info.listeners(),
    model: core.runs.modelName,
    active_runs: core.runs.activeCount,
    pending_approvals: core.approvals.pendingCount,
    journal: { events: head?.seq ?? 0, head_hash: head?.hash ?? null },
    browser: core.browser ? browserStatusToWire(core.browser.status()) : null,
  };
}

function browserStatusToWire(status: BrowserStatus) {
  return {
    enabled: status.enabled,
    state: status.state,
    reason: status.reason,
    embedded: status.embedded,
    endpoint: status.endpoint,
    chromium: status.chromium,
    restarts: status.restarts,
    last_error: status.lastError,
  };
}

export async function adminStatusRoutes(app: FastifyInstance, options: { core: Core; info: StatusInfo }): Promise<void> {
  const { core, info } = options;
  app.get('/status', { schema: { response: responses(200, StatusWire) }, config: { action: 'daemon.status' } }, async (request) => {
    core.authorizer.authorize(request.ctx, 'daemon.status');
    return daemonStatus(core, info);
  });
}
