// Sessions between proto and core.
import type { SessionRecord } from '../../../core/sessions/store.js';
import type { SessionSummary } from '../../../gen/palyra/gateway/v1/gateway.js';
import { toCanonicalId } from './ids.js';

/** `lastRunState` is the state of the session's last run ("done", "failed", ...), when known. */
export function sessionToProto(session: SessionRecord, lastRunState = ''): SessionSummary {
  return {
    sessionId: toCanonicalId(session.sessionId),
    sessionKey: session.sessionKey,
    sessionLabel: session.label ?? '',
    createdAtUnixMs: session.createdAtMs,
    updatedAtUnixMs: session.updatedAtMs,
    lastRunId: toCanonicalId(session.lastRunId),
    archivedAtUnixMs: session.archivedAtMs ?? 0,
    lastRunState,
  };
}
