// /console/v1/diagnostics (what the daemon is doing), /metrics/history (samples for charts) and /audit (journal pages, verify).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiDeps } from '../../api-deps.js';
import { nullable, responses } from '../../schemas/common.js';
import { ChainVerdictWire, chainVerdictToWire, JournalPageQuery, JournalRecordWire, journalRecordToWire } from '../../schemas/journal.js';
import { daemonStatus, StatusWire } from '../admin/status.js';

const DiagnosticsWire = Type.Intersect([
  StatusWire,
  Type.Object({
    open_http_streams: Type.Integer(),
    http: Type.Object({
      tls: Type.Boolean(),
      body_limit_bytes: Type.Integer(),
      rate_limit_per_second: Type.Integer(),
      trusted_proxies: Type.Integer(),
      allowed_origins: Type.Array(Type.String()),
    }),
    session: Type.Object({ principal: Type.String(), device_id: Type.String(), channel: nullable(Type.String()) }),
  }),
]);

const MetricsHistoryWire = Type.Object({
  interval_ms: Type.Integer(),
  samples: Type.Array(
    Type.Object({
      at_unix_ms: Type.Integer(),
      runs_finished: Type.Integer(),
      run_seconds_mean: nullable(Type.Number()),
      denials: Type.Integer(),
      active_runs: Type.Integer(),
      pending_approvals: Type.Integer(),
    }),
  ),
});

const AuditPageWire = Type.Object({ events: Type.Array(JournalRecordWire), next_after_seq: Type.Integer(), chain: ChainVerdictWire });

export async function consoleDiagnosticsRoutes(parent: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core, info, streams, settings } = deps;

  app.get('/diagnostics', { schema: { response: responses(200, DiagnosticsWire) }, config: { action: 'daemon.status' } }, async (request) => {
    core.authorizer.authorize(request.ctx, 'daemon.status');
    return {
      ...(await daemonStatus(core, info)),
      open_http_streams: streams.size,
      http: {
        tls: deps.tls,
        body_limit_bytes: settings.bodyLimitBytes,
        rate_limit_per_second: settings.rateLimitPerSecond,
        trusted_proxies: settings.trustedProxies.length,
        allowed_origins: [...settings.allowedOrigins],
        allowed_hosts: [...settings.allowedHosts],
      },
      session: { principal: request.ctx.principal, device_id: request.ctx.deviceId, channel: request.ctx.channel },
    };
  });

  app.get('/metrics/history', { schema: { response: responses(200, MetricsHistoryWire) }, config: { action: 'daemon.status' } }, async (request) => {
    core.authorizer.authorize(request.ctx, 'daemon.status');
    const samples = await core.metricsHistory.samples();
    return {
      interval_ms: core.metricsHistory.intervalMs,
      samples: samples.map((sample) => ({
        at_unix_ms: sample.atMs,
        runs_finished: sample.runsFinished,
        run_seconds_mean: sample.runSecondsMean,
        denials: sample.denials,
        active_runs: sample.activeRuns,
        pending_approvals: sample.pendingApprovals,
      })),
    };
  });

  app.get('/audit/events', { schema: { querystring: JournalPageQuery, response: responses(200, AuditPageWire) }, config: { action: 'journal.read' } }, async (request) => {
    const afterSeq = request.query.after_seq ?? 0;
    const records = await core.audit.page(request.ctx, afterSeq, request.query.limit ?? 100);
    const verdict = await core.audit.verify(request.ctx);
    return {
      events: records.map(journalRecordToWire),
      next_after_seq: records.at(-1)?.seq ?? afterSeq,
      chain: chainVerdictToWire(verdict),
    };
  });

  // "Verify now" walks every row, like the admin route and `palyra journal verify`.
  app.post('/audit/verify', { schema: { response: responses(200, ChainVerdictWire) }, config: { action: 'journal.read' } }, async (request) => chainVerdictToWire(await core.audit.verify(request.ctx, { full: true })));
}
