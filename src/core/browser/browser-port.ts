// BrowserPort: how the core reaches a browser engine (palyra-browserd over gRPC, or an engine in the same process on a node).

/** The BrowserService methods the core calls, named as the generated client names them. */
export const BROWSER_METHODS = [
  'health',
  'createSession',
  'closeSession',
  'navigate',
  'click',
  'type',
  'press',
  'select',
  'scroll',
  'waitFor',
  'getTitle',
  'screenshot',
  'observe',
  'listTabs',
  'openTab',
  'switchTab',
  'closeTab',
  'consoleLog',
  'networkLog',
  'exportPdf',
  'resetState',
] as const;

export type BrowserMethod = (typeof BROWSER_METHODS)[number];

/**
 * A request or response in the contract's wire names: snake_case keys, ids as plain ULID strings,
 * `bytes` fields as Buffers. The port does the conversion to and from the proto messages.
 */
export type BrowserMessage = Record<string, unknown>;

export interface BrowserCallOptions {
  /** The principal browserd checks session ownership against (`x-palyra-principal`, sent on every call). */
  principal: string;
  signal: AbortSignal;
  /** Deadline of this one call. */
  timeoutMs: number;
}

/** up: answering; starting/restarting: a child on its way up; down: not reachable; disabled: off by config. */
export type BrowserServiceState = 'disabled' | 'starting' | 'up' | 'restarting' | 'down';

export interface BrowserStatus {
  enabled: boolean;
  state: BrowserServiceState;
  /** Why the service is on or off, or what the state means: shown by `palyra status` and the console. */
  reason: string;
  embedded: boolean;
  endpoint: string | null;
  chromium: string | null;
  restarts: number;
  lastError: string | null;
  /** Increments each time the service process is replaced: sessions of an older generation are gone. */
  generation: number;
}

export interface BrowserPort {
  /**
   * Calls one method. Refusals by the service become CoreErrors (not_found, invalid_argument,
   * resource_exhausted, permission_denied, deadline_exceeded, unauthenticated); an unreachable
   * service is `unavailable` naming its state.
   */
  call(method: BrowserMethod, request: BrowserMessage, options: BrowserCallOptions): Promise<BrowserMessage>;
  status(): BrowserStatus;
}
