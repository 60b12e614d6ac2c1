// CallContext: who is calling and how to stop their work; every core call takes one.
import { CoreError } from './errors.js';
import { isCanonicalId, newId } from './ids.js';

export type PrincipalKind = 'admin' | 'user' | 'system' | 'node' | 'channel';

/** The credential a caller presented, as the auth layer saw it. */
export type CredentialKind = 'admin_token' | 'api_token' | 'session_token' | 'console_session' | 'device_certificate' | 'internal';

export interface CallContext {
  /** `admin:<name>`, `user:<name>`, `system:<name>`, `node:<device_id>` or `channel:<name>`. */
  principal: string;
  /** ULID of the calling device. */
  deviceId: string;
  channel: string | null;
  /** Scopes granted by the credential; admin credentials hold `*`. */
  scopes: readonly string[];
  credential: CredentialKind;
  /** The token id or console session id behind the credential (absent for the admin token). */
  credentialId?: string;
  /** When the credential stops working (Unix ms), if it expires. */
  expiresAtMs?: number;
  requestId: string;
  /** Aborts when the caller goes away (disconnect, cancel, shutdown). */
  signal: AbortSignal;
}

const PRINCIPAL_PATTERN = /^(admin|user|system|node|channel):[A-Za-z0-9._@+-]{1,128}$/;

/** The well-known device id of the daemon itself (also the CLI's default). */
export const SYSTEM_DEVICE_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

export function principalKind(principal: string): PrincipalKind {
  return principal.slice(0, principal.indexOf(':')) as PrincipalKind;
}

export function isValidPrincipal(value: unknown): value is string {
  return typeof value === 'string' && PRINCIPAL_PATTERN.test(value);
}

export function isAdmin(ctx: Pick<CallContext, 'principal'>): boolean {
  return principalKind(ctx.principal) === 'admin';
}

/**
 * A cancel signal, or how to make it on first use: most calls never look at their signal, and an
 * AbortController costs more than the rest of authenticating a request.
 */
export type SignalSource = AbortSignal | (() => AbortSignal);

/**
 * A cancel signal a transport can abort before anyone asked for it: `source` makes the signal on first
 * use (already aborted if `abort` came first). Its state lives in this object, so the transport's
 * listener can hold it without holding the request or response.
 */
export class LazySignal {
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  readonly source = (): AbortSignal => {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  };

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** Builds a context after validating identity fields; the transport supplies the signal. */
export function createContext(input: {
  principal: string;
  deviceId: string;
  channel?: string | null;
  scopes: readonly string[];
  credential: CredentialKind;
  credentialId?: string;
  expiresAtMs?: number;
  signal?: SignalSource;
  requestId?: string;
}): CallContext {
  if (!isValidPrincipal(input.principal)) {
    throw new CoreError('invalid_argument', 'principal must look like <admin|user|system|node|channel>:<name>');
  }
  if (!isCanonicalId(input.deviceId)) {
    throw new CoreError('invalid_argument', 'device_id must be a canonical ULID');
  }
  const channel = input.channel ?? null;
  if (channel !== null && !/^[A-Za-z0-9._:-]{1,64}$/.test(channel)) {
    throw new CoreError('invalid_argument', 'channel must be 1-64 characters of [A-Za-z0-9._:-]');
  }
  const source = input.signal;
  let signal = source instanceof AbortSignal ? source : undefined;
  return {
    principal: input.principal,
    deviceId: input.deviceId,
    channel,
    scopes: input.scopes,
    credential: input.credential,
    ...(input.credentialId ? { credentialId: input.credentialId } : {}),
    ...(input.expiresAtMs ? { expiresAtMs: input.expiresAtMs } : {}),
    requestId: input.requestId ?? newId(),
    get signal() {
      signal ??= typeof source === 'function' ? source() : new AbortController().signal;
      return signal;
    },
  };
}

/** The daemon acting on its own behalf (recovery, timeouts, shutdown). */
export function systemContext(name = 'daemon', signal?: AbortSignal): CallContext {
  return createContext({
    principal: `system:${name}`,
    deviceId: SYSTEM_DEVICE_ID,
    scopes: ['*'],
    credential: 'internal',
    ...(signal ? { signal } : {}),
  });
}
