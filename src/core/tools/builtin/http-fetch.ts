// palyra.http.fetch: an HTTP(S) request to the public internet, guarded against reaching internal networks.
import { StringDecoder } from 'node:string_decoder';
import Type, { type Static } from 'typebox';
import type { Tool, ToolOutcome } from '../tool.js';
import { type NetworkAccess, vetHost } from '../../net/network-guard.js';
import { type PinnedResponse, sendPinned } from '../../net/pinned-request.js';

export interface HttpFetchConfig extends NetworkAccess {
  /** Largest response body kept (and the ceiling of the `max_bytes` input). */
  maxBytes: number;
}

const MAX_REDIRECTS = 5;
const FETCH_TIMEOUT_MS = 30_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// The tool owns framing, connection reuse and encoding; a caller's value for these is dropped.
const CONTROLLED_HEADERS = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer',
  'accept-encoding', 'proxy-authorization', 'proxy-connection',
]);

function inputSchema(maxBytes: number) {
  return Type.Object(
    {
      url: Type.String({ minLength: 1, maxLength: 8_192, description: 'An http:// or https:// URL.' }),
      method: Type.Optional(Type.Enum(['GET', 'HEAD', 'POST'], { description: 'Defaults to GET.' })),
      headers: Type.Optional(
        Type.Object({}, { additionalProperties: Type.String({ maxLength: 8_192 }), maxProperties: 32, description: 'Request headers.' }),
      ),
      body: Type.Optional(Type.String({ maxLength: 65_536, description: 'Request body; POST only.' })),
      max_bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: maxBytes, description: `Response body cap in bytes (default and maximum ${maxBytes}).` })),
    },
    { additionalProperties: false },
  );
}

type FetchInput = Static<ReturnType<typeof inputSchema>>;

/**
 * `palyra.http.fetch` {url, method?, headers?, body?, max_bytes?} → {url, status, headers, body, truncated}.
 * Not read-only, even for GET: a request carries data out of the daemon (URL, headers), so the
 * policy asks unless the operator lists the tool in `tools.allow`. Each hop of up to 5 redirects is
 * resolved and vetted again, and the connection goes to the vetted address (no DNS rebinding).
 * Headers are dropped when a redirect leaves the origin; `set-cookie` never reaches the output.
 */
export function createHttpFetchTool(config: HttpFetchConfig): Tool {
  if (!Number.isInteger(config.maxBytes) || config.maxBytes <= 0) {
    throw new TypeError('httpFetch.maxBytes must be a positive integer');
  }
  return {
    name: 'palyra.http.fetch',
    description:
      'Fetches an http(s) URL (GET, HEAD or POST) and returns the status, headers and the body as UTF-8 text, ' +
      `truncated to max_bytes. Follows up to ${MAX_REDIRECTS} redirects. Internal networks are refused.`,
    // A plain object type: a TypeBox interface has no index signature to satisfy Record<string, unknown>.
    inputSchema: { ...inputSchema(config.maxBytes) },
    readOnly: false,
    alwaysAsk: false,
    timeoutMs: FETCH_TIMEOUT_MS,
    execute: (input, ctx) => fetchGuarded(input as FetchInput, config, ctx.signal),
  };
}

async function fetchGuarded(input: FetchInput, config: HttpFetchConfig, callerSignal: AbortSignal): Promise<ToolOutcome> {
  let method = (input.method ?? 'GET') as 'GET' | 'HEAD' | 'POST';
  let body = input.body;
  if (body !== undefined && method !== 'POST') return failure('body is only allowed with POST');
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return failure('url is not a valid absolute URL');
  }
  const signal = AbortSignal.any([callerSignal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]);
  // The schema's `additionalProperties: string` is not reflected in TypeBox's static type.
  let headers = requestHeaders((input.headers ?? {}) as Record<string, string>);
  const maxBytes = input.max_bytes ?? config.maxBytes;
  for (let redirects = 0; ; redirects += 1) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return failure(`unsupported scheme ${url.protocol}; only http and https`);
    const vetted = await vetHost(url.hostname, config, signal);
    if (!vetted.ok) return failure(signal.aborted ? abortReason(callerSignal) : vetted.error);
    let response: PinnedResponse;
    try {
      response = await sendPinned({ url, method, headers, ...(body === undefined ? {} : { body }), target: vetted.target, maxBytes, signal });
    } catch (error) {
      return failure(signal.aborted ? abortReason(callerSignal) : `request failed: ${describeError(error)}`);
    }
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.status) || location === undefined) return success(url, response);
    if (redirects === MAX_REDIRECTS) return failure(`too many redirects (more than ${MAX_REDIRECTS})`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return failure('redirect location is not a valid URL');
    }
    // RFC 9110 §15.4: 303 always, and 301/302 after POST in practice, continue as GET without a body.
    if (response.status === 303 || (method === 'POST' && (response.status === 301 || response.status === 302))) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
    }
    if (next.origin !== url.origin) headers = requestHeaders({});
    url = next;
  }
}

function requestHeaders(given: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'palyra', accept: '*/*' };
  for (const [name, value] of Object.entries(given)) {
    const lower = name.toLowerCase();
    if (!CONTROLLED_HEADERS.has(lower)) headers[lower] = value;
  }
  headers['accept-encoding'] = 'identity';
  return headers;
}

function success(url: URL, response: PinnedResponse): ToolOutcome {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || name === 'set-cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // A decoder holds back a multi-byte character cut by the cap instead of emitting U+FFFD.
  const decoder = new StringDecoder('utf8');
  const body = response.truncated ? decoder.write(response.body) : decoder.end(response.body);
  return { success: true, output: { url: url.href, status: response.status, headers, body, truncated: response.truncated } };
}

function failure(error: string): ToolOutcome {
  return { success: false, output: null, error };
}

function abortReason(callerSignal: AbortSignal): string {
  return callerSignal.aborted ? 'aborted' : `timed out after ${FETCH_TIMEOUT_MS} ms`;
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && !code.startsWith('ERR_')) return code;
  return error instanceof Error ? error.message : 'unknown error';
}
