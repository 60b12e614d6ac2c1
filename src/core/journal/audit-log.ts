// AuditLog: the journal as callers see it — authorized appends under the caller's identity, pages, verify.
import type { Authorizer } from '../auth/authorize.js';
import type { CallContext } from '../context.js';
import { CoreError } from '../errors.js';
import type { ChainVerdict } from './hash-chain.js';
import type { Journal, JournalRecord } from './journal.js';
import type { JournalActor } from './store.js';

export interface ClientJournalEvent {
  eventId?: string;
  kind: string;
  actor: JournalActor;
  sessionId?: string;
  runId?: string;
  timestampMs?: number;
  payload?: unknown;
  rawPayload?: string | Uint8Array;
}

/** Kinds the daemon writes about itself; clients cannot forge them. */
const RESERVED_KIND_PREFIXES = ['run.', 'approval.', 'session.', 'auth.', 'daemon.'];

export class AuditLog {
  constructor(
    private readonly journal: Journal,
    private readonly authorizer: Authorizer,
  ) {}

  /**
   * Appends a client event; principal, device and channel come from the credential, never the body.
   * @throws `permission_denied` (scope, reserved kind or the `system` actor), plus Journal.append's errors.
   */
  async append(ctx: CallContext, event: ClientJournalEvent): Promise<JournalRecord> {
    this.authorizer.authorize(ctx, 'journal.append');
    if (RESERVED_KIND_PREFIXES.some((prefix) => event.kind.startsWith(prefix))) {
      throw new CoreError('permission_denied', `event kinds starting with ${RESERVED_KIND_PREFIXES.join(', ')} are written by the daemon only`);
    }
    if (event.actor === 'system') throw new CoreError('permission_denied', 'the system actor is reserved for the daemon');
    return this.journal.append({ ...event, principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel });
  }

  page(ctx: CallContext, afterSeq: number, limit: number): Promise<JournalRecord[]> {
    this.authorizer.authorize(ctx, 'journal.read');
    return this.journal.page(afterSeq, limit);
  }

  /** See Journal.verify: `full` re-walks from the first row, otherwise from the last verified prefix. */
  verify(ctx: CallContext, options: { full?: boolean } = {}): Promise<ChainVerdict> {
    this.authorizer.authorize(ctx, 'journal.read');
    return this.journal.verify(options);
  }
}
