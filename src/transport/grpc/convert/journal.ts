// Journal events between proto and core: the reference's EventKind/EventActor enums ↔ core kinds and actors.
import { CoreError } from '../../../core/errors.js';
import type { ClientJournalEvent } from '../../../core/journal/audit-log.js';
import type { JournalActor } from '../../../core/journal/store.js';
import { type JournalEvent, JournalEvent_EventActor, JournalEvent_EventKind } from '../../../gen/palyra/common/v1/common.js';
import { checkVersion, optionalId } from './ids.js';

// Run outcomes reported by a client are its own account, not the daemon's run.* events (reserved).
const KINDS: Partial<Record<JournalEvent_EventKind, string>> = {
  [JournalEvent_EventKind.EVENT_KIND_MESSAGE_RECEIVED]: 'message.received',
  [JournalEvent_EventKind.EVENT_KIND_MODEL_TOKEN]: 'model.token',
  [JournalEvent_EventKind.EVENT_KIND_TOOL_PROPOSED]: 'tool.proposed',
  [JournalEvent_EventKind.EVENT_KIND_TOOL_EXECUTED]: 'tool.executed',
  [JournalEvent_EventKind.EVENT_KIND_A2UI_UPDATED]: 'a2ui.updated',
  [JournalEvent_EventKind.EVENT_KIND_RUN_COMPLETED]: 'client_run.completed',
  [JournalEvent_EventKind.EVENT_KIND_RUN_FAILED]: 'client_run.failed',
};

const ACTORS: Partial<Record<JournalEvent_EventActor, JournalActor>> = {
  [JournalEvent_EventActor.EVENT_ACTOR_USER]: 'user',
  [JournalEvent_EventActor.EVENT_ACTOR_AGENT]: 'agent',
  [JournalEvent_EventActor.EVENT_ACTOR_SYSTEM]: 'system',
  [JournalEvent_EventActor.EVENT_ACTOR_PLUGIN]: 'plugin',
};

/**
 * The core's view of an AppendEvent event. hash, prev_hash and the identity fields are the server's
 * to fill and are ignored. @throws `failed_precondition` (v), `invalid_argument`.
 */
export function journalEventFromProto(event: JournalEvent | undefined): ClientJournalEvent {
  if (!event) throw new CoreError('invalid_argument', 'event is required');
  checkVersion(event.v, 'event');
  const kind = KINDS[event.kind];
  if (!kind) throw new CoreError('invalid_argument', 'event.kind must be set (EVENT_KIND_UNSPECIFIED is not a kind)');
  const actor = ACTORS[event.actor];
  if (!actor) throw new CoreError('invalid_argument', 'event.actor must be set (EVENT_ACTOR_UNSPECIFIED is not an actor)');
  if (event.timestampUnixMs < 0) throw new CoreError('invalid_argument', 'event.timestamp_unix_ms must be positive');
  const eventId = optionalId(event.eventId, 'event.event_id');
  const sessionId = optionalId(event.sessionId, 'event.session_id');
  const runId = optionalId(event.runId, 'event.run_id');
  return {
    kind,
    actor,
    ...(eventId ? { eventId } : {}),
    ...(sessionId ? { sessionId } : {}),
    ...(runId ? { runId } : {}),
    ...(event.timestampUnixMs > 0 ? { timestampMs: event.timestampUnixMs } : {}),
    rawPayload: event.payloadJson.length > 0 ? event.payloadJson : '{}',
  };
}
