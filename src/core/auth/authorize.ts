// The one authorization decision: scopes per action, ownership per resource. Every service calls it.
import type { CallContext } from '../context.js';
import { isAdmin } from '../context.js';
import { CoreError } from '../errors.js';

/** Actions are `<area>.<verb>`; each needs one scope. Admin credentials hold `*`. */
export const ACTION_SCOPES = {
  'sessions.read': 'sessions:read',
  'sessions.write': 'sessions:write',
  'runs.start': 'runs:write',
  'runs.read': 'runs:read',
  'runs.cancel': 'runs:write',
  // Who may start runs may know which of its tool calls will ask.
  'tools.read': 'runs:read',
  'approvals.read': 'approvals:read',
  'approvals.decide': 'approvals:write',
  'journal.append': 'journal:write',
  'journal.read': 'journal:read',
  'daemon.status': 'status:read',
  'tokens.read': 'tokens:read',
  'tokens.write': 'tokens:write',
  'devices.read': 'devices:read',
  'devices.write': 'devices:write',
  'nodes.read': 'nodes:read',
  'nodes.invoke': 'nodes:write',
  'canvas.read': 'canvas:read',
  'canvas.write': 'canvas:write',
  'canvas.rotate_key': 'canvas:admin',
  'browser.read': 'browser:read',
  'browser.write': 'browser:write',
} as const;

export type Action = keyof typeof ACTION_SCOPES;
export type Scope = (typeof ACTION_SCOPES)[Action];
export const ALL_SCOPES: readonly Scope[] = [...new Set(Object.values(ACTION_SCOPES))];

export interface Owner {
  principal: string;
  deviceId: string;
  channel: string | null;
}

/** What an owned id names, for the not_found message: `run not found: <id>`. */
export interface RecordRef {
  kind: 'run' | 'session' | 'approval' | 'canvas' | 'browser_session' | 'artifact';
  id: string;
}

export type DenialListener = (ctx: CallContext, action: Action, reason: string) => void;

/**
 * Decides whether `ctx` may perform `action`, optionally on a resource owned by `owner`.
 * Admin principals see every owner's resources; others only their own (same principal, device
 * and channel).
 */
export class Authorizer {
  private readonly listeners: DenialListener[] = [];

  /** Called once for every refusal (metrics, journal). */
  onDenied(listener: DenialListener): void {
    this.listeners.push(listener);
  }

  /** @throws CoreError `permission_denied` naming the missing scope. */
  authorize(ctx: CallContext, action: Action): void {
    const scope = ACTION_SCOPES[action];
    if (!ctx.scopes.includes('*') && !ctx.scopes.includes(scope)) {
      this.notify(ctx, action, `credential lacks scope ${scope}`);
      throw new CoreError('permission_denied', `${action} denied: credential lacks scope ${scope}`);
    }
  }

  /**
   * The record behind an owned id if `ctx` may act on it: its owner, or an admin. An unknown id and
   * another owner's id get the same `not_found` (same message), so ids do not leak; the second is
   * still a denial, reported to the listeners (metrics, journal). Check the scope with `authorize` first.
   * @throws CoreError `not_found`.
   */
  authorizeRecord<T extends Owner>(ctx: CallContext, action: Action, ref: RecordRef, record: T | undefined): T {
    if (record && (isAdmin(ctx) || isSameOwner(ctx, record))) return record;
    if (record) this.notify(ctx, action, `${ref.kind} ${ref.id} belongs to another principal, device or channel`);
    throw notFound(ref);
  }

  private notify(ctx: CallContext, action: Action, reason: string): void {
    for (const listener of this.listeners) listener(ctx, action, reason);
  }
}

/** The one not_found of an owned id, whether it is unknown or someone else's. */
export function notFound(ref: RecordRef): CoreError {
  return new CoreError('not_found', `${ref.kind} not found: ${ref.id}`);
}

export function isSameOwner(ctx: Pick<CallContext, 'principal' | 'deviceId' | 'channel'>, owner: Owner): boolean {
  return ctx.principal === owner.principal && ctx.deviceId === owner.deviceId && ctx.channel === owner.channel;
}

export function ownerOf(ctx: Pick<CallContext, 'principal' | 'deviceId' | 'channel'>): Owner {
  return { principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel };
}
