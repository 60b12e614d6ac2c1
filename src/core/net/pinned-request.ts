// One HTTP(S) request connected to a vetted address, with its response body read up to a cap.
import type { LookupFunction } from 'node:net';
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import { http, https } from './node-http.js';
import type { VettedAddress } from './network-guard.js';

export interface PinnedRequest {
  url: URL;
  method: 'GET' | 'HEAD' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The address the connection goes to, whatever DNS answers now. */
  target: VettedAddress;
  maxBytes: number;
  signal: AbortSignal;
}

export interface PinnedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** True when the body was longer than `maxBytes` and the rest was not read. */
  truncated: boolean;
}

/** A `lookup` for net/http that answers every query with `target`, so the socket connects where the guard checked. */
export function pinnedLookup(target: VettedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    // With autoSelectFamily (node 20's default) net asks for every address.
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/**
 * Sends the request over a fresh connection (no pooled socket from another host's answer) to
 * `target`. The URL's host name still goes into `Host` and TLS SNI, and the certificate is checked
 * against it. Rejects with the transport error, or an AbortError when `signal` aborts.
 */
export function sendPinned(request: PinnedRequest): Promise<PinnedResponse> {
  const { url, target } = request;
  const client = url.protocol === 'https:' ? https : http;
  const lookup = pinnedLookup(target);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      request.signal.removeEventListener('abort', onAbort);
      finish();
    };
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    let req: ClientRequest;
    try {
      req = client.request({
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        agent: false,
        lookup,
      });
    } catch (error) {
      reject(error);
      return;
    }
    const onAbort = (): void => {
      req.destroy();
      settle(() => reject(new DOMException('request aborted', 'AbortError')));
    };
    if (request.signal.aborted) {
      onAbort();
      return;
    }
    request.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => settle(() => reject(error)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const done = (truncated: boolean): void =>
        settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated }));
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = request.maxBytes - length;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          done(true);
          req.destroy();
          return;
        }
        chunks.push(chunk);
        length += chunk.length;
      });
      res.on('end', () => done(false));
      res.on('error', (error) => settle(() => reject(error)));
      res.on('close', () => {
        if (!res.complete) settle(() => reject(new Error('response closed before its end')));
      });
    });
    req.end(request.body);
  });
}
