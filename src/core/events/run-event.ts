// RunEvent: the one event model every transport streams (gRPC RunStream/WatchRun, SSE, NDJSON).

/** Wire event types (each maps to a RunStreamEvent body) and tape-only bookkeeping events. */
export const RUN_EVENT_TYPES = [
  'status',
  'model_token',
  'tool_proposal',
  'tool_approval_request',
  'tool_approval_response',
  'tool_decision',
  'tool_result',
  'tool_attestation',
  'agent_loop.turn_started',
  'agent_loop.terminated',
  'message.replied',
] as const;

export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

export type StatusKind = 'accepted' | 'in_progress' | 'done' | 'failed';

export interface RunEvent {
  runId: string;
  /** Per-run sequence number, from 0, without gaps. */
  seq: number;
  type: RunEventType;
  payload: Record<string, unknown>;
  createdAtMs: number;
}

/** The last event of every run is a status event of kind done or failed. */
export function isFinalEvent(event: Pick<RunEvent, 'type' | 'payload'>): boolean {
  return event.type === 'status' && (event.payload.kind === 'done' || event.payload.kind === 'failed');
}
