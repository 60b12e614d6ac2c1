// Wire shapes of console sessions (login) and chat sessions.
import Type, { type Static } from 'typebox';
import type { ConsoleSessionRecord } from '../../../core/auth/store.js';
import type { SessionRecord } from '../../../core/sessions/store.js';
import { limit, nullable, Ulid } from './common.js';

export const LoginBody = Type.Object(
  {
    admin_token: Type.String({ minLength: 1, maxLength: 512 }),
    principal: Type.String({ minLength: 3, maxLength: 140 }),
    device_id: Ulid,
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const ResolveSessionBody = Type.Object(
  {
    session_id: Type.Optional(Ulid),
    session_key: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    session_label: Type.Optional(Type.String({ maxLength: 200 })),
    require_existing: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ListSessionsQuery = Type.Object(
  {
    after_session_id: Type.Optional(Ulid),
    include_archived: Type.Optional(Type.Boolean()),
    /** Text the session key or label contains (case-insensitive for ASCII letters). */
    q: Type.Optional(Type.String({ maxLength: 200 })),
    limit: limit(500, 100),
  },
  { additionalProperties: false },
);

/** A chat session on the wire (the list route's documented response; `sessionToWire` builds it). */
export const SessionWire = Type.Object({
  session_id: Type.String(),
  session_key: Type.String(),
  label: nullable(Type.String()),
  principal: Type.String(),
  device_id: Type.String(),
  channel: nullable(Type.String()),
  created_at_unix_ms: Type.Integer(),
  updated_at_unix_ms: Type.Integer(),
  archived_at_unix_ms: nullable(Type.Integer()),
  last_run_id: nullable(Type.String()),
});

export const SessionListResponse = Type.Object({ sessions: Type.Array(SessionWire), next_after_session_id: nullable(Type.String()) });

export const ChatMessageBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 262_144 }) }, { additionalProperties: false });

export const ConsoleSessionWire = Type.Object({
  session_id: Type.String(),
  principal: Type.String(),
  device_id: Type.String(),
  channel: nullable(Type.String()),
  issued_at_unix_ms: Type.Integer(),
  expires_at_unix_ms: Type.Integer(),
  idle_expires_at_unix_ms: Type.Integer(),
});

/** Login and the current session: the session and the CSRF token every unsafe request must carry. */
export const ConsoleLoginWire = Type.Object({ session: ConsoleSessionWire, csrf_token: Type.String() });

export const ResolvedSessionWire = Type.Object({ session: SessionWire, created: Type.Boolean() });

export const ArchivedSessionWire = Type.Object({
  session: SessionWire,
  newly_archived: Type.Boolean(),
  previous_session_key: Type.String(),
  run_count: Type.Integer(),
});

export function consoleSessionToWire(session: ConsoleSessionRecord, idleExpiresAtMs: number): Static<typeof ConsoleSessionWire> {
  return {
    session_id: session.sessionId,
    principal: session.principal,
    device_id: session.deviceId,
    channel: session.channel,
    issued_at_unix_ms: session.createdAtMs,
    expires_at_unix_ms: session.expiresAtMs,
    idle_expires_at_unix_ms: Math.min(idleExpiresAtMs, session.expiresAtMs),
  };
}

export function sessionToWire(session: SessionRecord): Static<typeof SessionWire> {
  return {
    session_id: session.sessionId,
    session_key: session.sessionKey,
    label: session.label,
    principal: session.principal,
    device_id: session.deviceId,
    channel: session.channel,
    created_at_unix_ms: session.createdAtMs,
    updated_at_unix_ms: session.updatedAtMs,
    archived_at_unix_ms: session.archivedAtMs,
    last_run_id: session.lastRunId,
  };
}
