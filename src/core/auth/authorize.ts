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
} as const;

export type Action = keyof typeof ACTION_SCOPES;
export type Scope = (typeof ACTION_SCOPES)[Action];
export const ALL_SCOPES: readonly Scope[] = [...new Set(Object.values(ACTION_SCOPES))];

export interface Owner {
  principal: string;
  deviceId: string;
  channel: string | null;
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

  /** @throws CoreError `permission_denied` (the message names the missing scope or the ownership rule). */
  authorize(ctx: CallContext, action: Action, owner?: Owner): void {
    const scope = ACTION_SCOPES[action];
    if (!ctx.scopes.includes('*') && !ctx.scopes.includes(scope)) {
      this.deny(ctx, action, `credential lacks scope ${scope}`);
    }
    if (owner && !isAdmin(ctx) && !isSameOwner(ctx, owner)) {
      this.deny(ctx, action, 'resource belongs to another principal, device or channel');
    }
  }

  private deny(ctx: CallContext, action: Action, reason: string): never {
    for (const listener of this.listeners) listener(ctx, action, reason);
    throw new CoreError('permission_denied', `${action} denied: ${reason}`);
  }
}

export function isSameOwner(ctx: Pick<CallContext, 'principal' | 'deviceId' | 'channel'>, owner: Owner): boolean {
  return ctx.principal === owner.principal && ctx.deviceId === owner.deviceId && ctx.channel === owner.channel;
}

export function ownerOf(ctx: Pick<CallContext, 'principal' | 'deviceId' | 'channel'>): Owner {
  return { principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel };
}
