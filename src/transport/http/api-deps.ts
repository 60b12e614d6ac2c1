// What the HTTP routes receive besides the core: daemon facts, stream tracking, transport settings.
import type { Core } from '../../core/index.js';
import type { RequestGuard } from './security.js';
import type { StreamTracker } from './streams.js';

export interface DaemonInfo {
  version: string;
  startedAtMs: number;
  listeners: () => Record<string, string | null>;
  isReady: () => boolean;
}

export interface ApiDeps {
  core: Core;
  info: DaemonInfo;
  streams: StreamTracker;
  /** The built console app (index.html and assets), or null when this server serves none. */
  webRoot: string | null;
  /** The built canvas runtime, or null when this server serves none. */
  canvasRuntimeRoot: string | null;
  /** The admin port terminates TLS (cookies get `Secure`). */
  tls: boolean;
  /** The first step of every request (headers, rate limit, Host, Origin); also given to `fastifyOptions`. */
  guard: RequestGuard;
  /** Effective transport settings, shown by diagnostics. */
  settings: {
    bodyLimitBytes: number;
    rateLimitPerSecond: number;
    trustedProxies: readonly string[];
    allowedOrigins: readonly string[];
    allowedHosts: readonly string[] | 'any';
  };
}
