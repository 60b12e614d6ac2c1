// The CLI's client of the daemon's admin HTTP API: bearer auth, JSON in and out, error envelopes as typed errors.
import { requireTarget } from './credentials.js';
import type { GlobalOptions } from './global-options.js';

/** A failure the daemon reported in its error envelope; `code` is one of the core's error codes. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AdminClient {
  get<T>(path: string): Promise<T>;
  /** `timeoutMs` overrides the default 30 s for calls that wait on purpose (node invocations). */
  post<T>(path: string, body?: unknown, options?: { timeoutMs?: number }): Promise<T>;
}

const TIMEOUT_MS = 30_000;

/** A client for `/admin/v1` at `--url` (or the stored login's), with the credential `requireTarget` finds. */
export function adminClient(options: GlobalOptions): AdminClient {
  const { url, credential } = requireTarget(options);
  async function call<T>(method: string, path: string, body?: unknown, timeoutMs = TIMEOUT_MS): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${credential.token}` };
    if (credential.deviceId) headers['x-palyra-device-id'] = credential.deviceId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError('internal', `palyrad answered ${response.status} with a body that is not JSON`, response.status);
    }
    if (!response.ok) {
      const envelope = parsed as { code?: unknown; error?: unknown };
      const code = typeof envelope.code === 'string' ? envelope.code : 'internal';
      throw new ApiError(code, typeof envelope.error === 'string' ? envelope.error : `HTTP ${response.status}`, response.status);
    }
    return parsed as T;
  }
  return {
    get: (path) => call('GET', path),
    post: (path, body, callOptions) => call('POST', path, body, callOptions?.timeoutMs),
  };
}
