// /console/v1/diagnostics (what the daemon is doing) and /console/v1/audit/events (journal page + chain status).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../../api-deps.js';
import { chainVerdictToWire, JournalPageQuery, journalRecordToWire } from '../../schemas/journal.js';
import { daemonStatus } from '../admin/status.js';

export async function consoleDiagnosticsRoutes(parent: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core, info, streams, settings } = deps;

  app.get('/diagnostics', { config: { action: 'daemon.status' } }, async (request) => {
    core.authorizer.authorize(request.ctx, 'daemon.status');
    return {
      ...(await daemonStatus(core, info)),
      open_http_streams: streams.size,
      http: {
        tls: deps.tls,
        body_limit_bytes: settings.bodyLimitBytes,
        rate_limit_per_second: settings.rateLimitPerSecond,
        trusted_proxies: settings.trustedProxies.length,
        allowed_origins: settings.allowedOrigins,
        allowed_hosts: settings.allowedHosts,
      },
      session: { principal: request.ctx.principal, device_id: request.ctx.deviceId, channel: request.ctx.channel },
    };
  });

  app.get('/audit/events', { schema: { querystring: JournalPageQuery }, config: { action: 'journal.read' } }, async (request) => {
    const afterSeq = request.query.after_seq ?? 0;
    const records = await core.audit.page(request.ctx, afterSeq, request.query.limit ?? 100);
    const verdict = await core.audit.verify(request.ctx);
    return {
      events: records.map(journalRecordToWire),
      next_after_seq: records.at(-1)?.seq ?? afterSeq,
      chain: chainVerdictToWire(verdict),
    };
  });
}
