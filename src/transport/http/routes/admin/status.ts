// GET /admin/v1/status: what the daemon is doing right now.
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../../../core/index.js';

export interface StatusInfo {
  version: string;
  startedAtMs: number;
  listeners: () => Record<string, string | null>;
}

/** The status document shared by /admin/v1/status and /console/v1/diagnostics. */
export async function daemonStatus(core: Core, info: StatusInfo) {
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
  };
}

export async function adminStatusRoutes(app: FastifyInstance, options: { core: Core; info: StatusInfo }): Promise<void> {
  const { core, info } = options;
  app.get('/status', { config: { action: 'daemon.status' } }, async (request) => {
    core.authorizer.authorize(request.ctx, 'daemon.status');
    return daemonStatus(core, info);
  });
}
