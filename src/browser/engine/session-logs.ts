// A session's console and network logs: entries recorded from page and context events, secrets redacted.
import type { ConsoleMessage, Request } from 'playwright-core';
import type { EgressRefusal } from './egress-proxy.js';
import { LOG_RING_ENTRIES, listLimit, MAX_CONSOLE_MESSAGE_BYTES } from './limits.js';
import { type LogPage, RingLog } from './ring-log.js';
import { capUtf8 } from './text-caps.js';

/** DEBUG=1 … ERROR=4, as in the proto. */
export type ConsoleSeverity = 1 | 2 | 3 | 4;

export interface ConsoleEntry {
  severity: ConsoleSeverity;
  kind: 'console' | 'page_error';
  message: string;
  messageTruncated: boolean;
  sourceUrl: string;
  line: number;
  capturedAtMs: number;
  tabId: string;
}

export interface NetworkEntry {
  requestUrl: string;
  method: string;
  resourceType: string;
  statusCode: number;
  latencyMs: number;
  capturedAtMs: number;
  blocked: boolean;
  blockedReason: string;
  responseBytes: number;
  headers: [name: string, value: string][];
}

const SEVERITIES: Record<string, ConsoleSeverity> = { debug: 1, trace: 1, log: 2, info: 2, warning: 3, error: 4, assert: 4 };
const SECRET_HEADERS = new Set(['set-cookie', 'cookie', 'authorization', 'proxy-authorization', 'www-authenticate']);
const MAX_HEADERS = 64;
const MAX_HEADER_VALUE_BYTES = 1024;
const MAX_URL_CHARS = 2048;

export class SessionLogs {
  readonly console = new RingLog<ConsoleEntry>(LOG_RING_ENTRIES);
  readonly network = new RingLog<NetworkEntry>(LOG_RING_ENTRIES);

  /** The latest `limit` console entries (0 = 100, at most 500), oldest first, at `minimumSeverity` (0 = any) or above. */
  readConsole(limit: number, minimumSeverity: number): LogPage<ConsoleEntry> {
    const minimum = minimumSeverity || 1;
    return this.console.latest(listLimit(limit), (entry) => entry.severity >= minimum);
  }

  /** The latest `limit` requests (0 = 100, at most 500), oldest first. */
  readNetwork(limit: number): LogPage<NetworkEntry> {
    return this.network.latest(listLimit(limit));
  }

  addConsole(message: ConsoleMessage, tabId: string): void {
    const { text, truncated } = capUtf8(message.text(), MAX_CONSOLE_MESSAGE_BYTES);
    const location = message.location();
    this.console.push({
      severity: SEVERITIES[message.type()] ?? 2,
      kind: 'console',
      message: text,
      messageTruncated: truncated,
      sourceUrl: location.url.slice(0, MAX_URL_CHARS),
      line: location.lineNumber,
      capturedAtMs: Date.now(),
      tabId,
    });
  }

  addPageError(error: Error, tabId: string): void {
    const { text, truncated } = capUtf8(`${error.name}: ${error.message}`, MAX_CONSOLE_MESSAGE_BYTES);
    this.console.push({ severity: 4, kind: 'page_error', message: text, messageTruncated: truncated, sourceUrl: '', line: 0, capturedAtMs: Date.now(), tabId });
  }

  async addFinished(request: Request): Promise<void> {
    const response = await request.response();
    const timing = request.timing();
    const headers = response ? response.headers() : {};
    this.network.push({
      requestUrl: request.url().slice(0, MAX_URL_CHARS),
      method: request.method(),
      resourceType: request.resourceType(),
      statusCode: response?.status() ?? 0,
      latencyMs: Math.max(0, Math.round(timing.responseEnd)),
      capturedAtMs: Date.now(),
      blocked: false,
      blockedReason: '',
      responseBytes: Number(headers['content-length'] ?? 0) || 0,
      headers: redactedHeaders(headers),
    });
  }

  addFailed(request: Request): void {
    this.network.push({
      requestUrl: request.url().slice(0, MAX_URL_CHARS),
      method: request.method(),
      resourceType: request.resourceType(),
      statusCode: 0,
      latencyMs: Math.max(0, Math.round(request.timing().responseEnd)),
      capturedAtMs: Date.now(),
      blocked: false,
      blockedReason: '',
      responseBytes: 0,
      headers: [],
    });
  }

  addRefusal(refusal: EgressRefusal): void {
    this.network.push({
      requestUrl: refusal.url.slice(0, MAX_URL_CHARS),
      method: refusal.method,
      resourceType: refusal.method === 'CONNECT' ? 'connect' : '',
      statusCode: 0,
      latencyMs: 0,
      capturedAtMs: refusal.atMs,
      blocked: true,
      blockedReason: refusal.reason,
      responseBytes: 0,
      headers: [],
    });
  }
}

function redactedHeaders(headers: Record<string, string>): [string, string][] {
  return Object.entries(headers)
    .slice(0, MAX_HEADERS)
    .map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? '<redacted>' : capUtf8(value, MAX_HEADER_VALUE_BYTES).text]);
}
