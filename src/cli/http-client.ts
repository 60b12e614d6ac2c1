// The CLI's client of the daemon's admin HTTP API: bearer auth, JSON in and out, error envelopes as typed errors.
import { createRequire } from 'node:module';
import { requireTarget } from './credentials.js';
import type { GlobalOptions } from './global-options.js';

/** A failure the daemon reported in its error envelope; `code` is one of the core's error codes. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** `hint`: what to do next, printed under the message (a command adds it when it knows better than the code's default). */
    readonly details: { hint?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The same failure with `hint` as what to do next. */
  withHint(hint: string): ApiError {
    return new ApiError(this.code, this.message, this.status, { hint });
  }
}

export interface AdminClient {
  get<T>(path: string): Promise<T>;
  /** `timeoutMs` overrides the default 30 s for calls that wait on purpose (node invocations). */
  post<T>(path: string, body?: unknown, options?: { timeoutMs?: number }): Promise<T>;
  /** The raw bytes of a GET (artifact downloads); failures as for `get`. */
  download(path: string): Promise<Buffer>;
}

const TIMEOUT_MS = 30_000;

export interface SendOptions {
  method: string;
  headers: Record<string, string>;
  payload?: string;
  timeoutMs: number;
}

export interface SendResult {
  status: number;
  /** The raw bytes: JSON for most calls, an artifact for downloads. */
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

// node:http rather than fetch: undici's first request costs ~100 ms of start-up, most of a short command.
// Required, not imported: an ESM import of node:http reads every export, and one of them is a getter that
// loads undici (and with it TLS and HTTP/2), ~20 ms. node:https only when the daemon is reached over TLS.
const { request: httpRequest } = createRequire(import.meta.url)('node:http') as typeof import('node:http');
/** One request to the daemon (no auth added); a timeout rejects as ApiError `deadline_exceeded`. */
export async function send(target: URL, options: SendOptions): Promise<SendResult> {
  const request = target.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(target, { method: options.method, headers: options.headers, signal: AbortSignal.timeout(options.timeoutMs) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), headers: response.headers }));
      response.on('error', reject);
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      // Reached but slow is not unreachable: `deadline_exceeded` gets its own message and hint.
      reject(error.name === 'AbortError' ? new ApiError('deadline_exceeded', `palyrad at ${target.origin} did not answer within ${options.timeoutMs} ms`, 0) : error),
    );
    outgoing.end(options.payload);
  });
}

/** A client for `/admin/v1` at `--url` (or the stored login's), with the credential `requireTarget` finds. */
export function adminClient(options: GlobalOptions): AdminClient {
  const { url, credential } = requireTarget(options);
  async function call<T>(method: string, path: string, body?: unknown, timeoutMs = TIMEOUT_MS, raw = false): Promise<T> {
    const headers: Record<string, string> = { accept: raw ? '*/*' : 'application/json', authorization: `Bearer ${credential.token}` };
    if (credential.deviceId) headers['x-palyra-device-id'] = credential.deviceId;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const { status, body: bytes } = await send(new URL(path, `${url}/`), { method, headers, timeoutMs, ...(payload !== undefined ? { payload } : {}) });
    if (raw && status >= 200 && status <= 299) return bytes as T;
    const text = bytes.toString('utf8');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError('internal', `palyrad answered ${status} with a body that is not JSON`, status);
    }
    if (status < 200 || status > 299) {
      const envelope = parsed as { code?: unknown; error?: unknown };
      const code = typeof envelope.code === 'string' ? envelope.code : 'internal';
      throw new ApiError(code, typeof envelope.error === 'string' ? envelope.error : `HTTP ${status}`, status);
    }
    return parsed as T;
  }
  return {
    get: (path) => call('GET', path),
    post: (path, body, callOptions) => call('POST', path, body, callOptions?.timeoutMs),
    download: (path) => call<Buffer>('GET', path, undefined, TIMEOUT_MS, true),
  };
}
