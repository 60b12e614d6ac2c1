// palyra.gateway.v1.GatewayService: health, runs (RunStream, WatchRun, get, list, abort), sessions, journal appends.
import type { CallContext } from '../../../core/context.js';
import { CoreError } from '../../../core/errors.js';
import type { Core } from '../../../core/index.js';
import { type GatewayServiceServer, GetHealthResponse } from '../../../gen/palyra/gateway/v1/gateway.js';
import { bidiStream, type HandlerDeps, publicUnary, serverStream, unary } from '../handler.js';
import { checkVersion, optionalId, PROTOCOL_MAJOR, requiredId, toCanonicalId } from '../convert/ids.js';
import { journalEventFromProto } from '../convert/journal.js';
import { runEventToProto, runStatesFromProto, runToProto } from '../convert/runs.js';
import { sessionToProto } from '../convert/sessions.js';
import { runStream } from './run-stream.js';

export interface HealthInfo {
  version: string;
  startedAtMs: number;
}

const v = PROTOCOL_MAJOR;

export function gatewayService(deps: HandlerDeps, info: HealthInfo): GatewayServiceServer {
  const { core } = deps;
  const route = (method: string) => `GatewayService/${method}`;
  return {
    getHealth: publicUnary(deps, route('GetHealth'), () =>
      GetHealthResponse.fromPartial({
        v,
        service: 'palyrad',
        status: 'ok',
        version: info.version,
        buildProfile: process.env.NODE_ENV === 'production' ? 'release' : 'dev',
        uptimeSeconds: Math.floor((Date.now() - info.startedAtMs) / 1000),
      }),
    ),

    runStream: bidiStream(deps, route('RunStream'), (source, ctx, send) => runStream(core, source, ctx, send)),

    watchRun: serverStream(deps, route('WatchRun'), async (request, ctx, send) => {
      checkVersion(request.v);
      const runId = requiredId(request.runId, 'run_id');
      for await (const event of core.runs.watch(ctx, runId, request.afterSeq, ctx.signal)) await send(runEventToProto(event));
    }),

    getRun: unary(deps, route('GetRun'), (request, ctx) => {
      checkVersion(request.v);
      const record = core.runs.get(ctx, requiredId(request.runId, 'run_id'));
      return { v, run: runToProto(record, core.runs.lastSeq(ctx, record.runId)) };
    }),

    listRuns: unary(deps, route('ListRuns'), (request, ctx) => {
      checkVersion(request.v);
      const sessionId = optionalId(request.sessionId, 'session_id');
      const page = core.runs.list(ctx, {
        ...(sessionId ? { sessionId } : {}),
        states: runStatesFromProto(request.states),
        ...(request.afterRunId ? { afterRunId: request.afterRunId } : {}),
        limit: request.limit,
      });
      return { v, runs: page.runs.map((run) => runToProto(run, core.runs.lastSeq(ctx, run.runId))), nextAfterRunId: page.nextAfterRunId ?? '' };
    }),

    abortRun: unary(deps, route('AbortRun'), (request, ctx) => {
      checkVersion(request.v);
      const result = core.runs.cancel(ctx, requiredId(request.runId, 'run_id'), request.reason || 'grpc_abort_requested');
      return { v, runId: toCanonicalId(result.runId), cancelRequested: result.cancelRequested, reason: result.reason };
    }),

    listSessions: unary(deps, route('ListSessions'), (request, ctx) => {
      checkVersion(request.v);
      // The cursor is opaque to clients; it is the last session id of the previous page.
      const page = core.sessions.list(ctx, {
        ...(request.afterSessionKey ? { afterSessionId: request.afterSessionKey } : {}),
        ...(request.q ? { query: request.q } : {}),
        limit: request.limit,
        includeArchived: request.includeArchived,
      });
      return {
        v,
        sessions: page.sessions.map((session) => sessionToProto(session, lastRunState(core, ctx, session.lastRunId))),
        nextAfterSessionKey: page.nextAfterSessionId ?? '',
      };
    }),

    resolveSession: unary(deps, route('ResolveSession'), async (request, ctx) => {
      checkVersion(request.v);
      const sessionId = optionalId(request.sessionId, 'session_id');
      const result = await core.sessions.resolve(ctx, {
        ...(sessionId ? { sessionId } : {}),
        ...(request.sessionKey ? { sessionKey: request.sessionKey } : {}),
        ...(request.sessionLabel ? { label: request.sessionLabel } : {}),
        requireExisting: request.requireExisting,
        reset: request.resetSession,
      });
      return { v, session: sessionToProto(result.session, lastRunState(core, ctx, result.session.lastRunId)), created: result.created, resetApplied: result.resetApplied };
    }),

    cleanupSession: unary(deps, route('CleanupSession'), async (request, ctx) => {
      checkVersion(request.v);
      const sessionId = optionalId(request.sessionId, 'session_id') ?? (request.sessionKey ? (await core.sessions.resolve(ctx, { sessionKey: request.sessionKey, requireExisting: true })).session.sessionId : undefined);
      if (!sessionId) throw new CoreError('invalid_argument', 'session_id or session_key is required');
      const result = await core.sessions.cleanup(ctx, sessionId);
      return {
        v,
        session: sessionToProto(result.session, lastRunState(core, ctx, result.session.lastRunId)),
        cleaned: true,
        newlyArchived: result.newlyArchived,
        previousSessionKey: result.previousSessionKey,
        runCount: result.runCount,
      };
    }),

    appendEvent: unary(deps, route('AppendEvent'), async (request, ctx) => {
      checkVersion(request.v);
      const record = await core.audit.append(ctx, journalEventFromProto(request.event));
      return { v, eventId: toCanonicalId(record.eventId), accepted: true };
    }),
  };
}

function lastRunState(core: Core, ctx: CallContext, runId: string | null): string {
  if (!runId) return '';
  try {
    return core.runs.get(ctx, runId).state;
  } catch {
    return '';
  }
}
