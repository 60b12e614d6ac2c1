// The node's own config (`node.toml`): what it lets the daemon run on this machine.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { CoreError } from '../../core/errors.js';

export interface NodeConfig {
  /** Commands `process.run` may start, matched exactly; empty = the capability is unavailable. */
  processAllowedCommands: string[];
  httpAllowPrivateNetworks: boolean;
  httpAllowedHosts: string[];
  httpMaxBytes: number;
  /** Tasks run at once (the task channel hello). */
  maxConcurrentTasks: number;
  browser: NodeBrowserConfig;
}

/** `[browser]`: whether the node offers `browser.*` (off unless enabled) and the engine's guard and caps. */
export interface NodeBrowserConfig {
  enabled: boolean;
  /** undefined = PALYRA_CHROMIUM, then chromium on PATH. */
  chromiumPath: string | undefined;
  /** Host names or IP literals pages may reach although they resolve to internal addresses. */
  allowedHosts: string[];
  maxSessions: number;
  maxSessionsPerPrincipal: number;
}

export const DEFAULT_NODE_CONFIG: NodeConfig = {
  processAllowedCommands: [],
  httpAllowPrivateNetworks: false,
  httpAllowedHosts: [],
  httpMaxBytes: 1 << 20,
  maxConcurrentTasks: 4,
  browser: { enabled: false, chromiumPath: undefined, allowedHosts: [], maxSessions: 8, maxSessionsPerPrincipal: 4 },
};

/**
 * Reads `node.toml`: `[process] allowed_commands`, `[http] allow_private_networks, allowed_hosts,
 * max_bytes`, `[node] max_concurrent_tasks`, `[browser] enabled, chromium, allowed_hosts, max_sessions,
 * max_sessions_per_principal`. A missing file gives the defaults (nothing may run).
 * @throws CoreError `invalid_argument` naming the bad key.
 */
export function loadNodeConfig(path: string | undefined): NodeConfig {
  if (!path || !existsSync(path)) {
    if (path) throw new CoreError('invalid_argument', `node config ${path} does not exist`);
    return { ...DEFAULT_NODE_CONFIG };
  }
  const raw = parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown> | undefined>;
  const strings = (value: unknown, key: string): string[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new CoreError('invalid_argument', `${key} must be a list of strings`);
    return value as string[];
  };
  const positive = (value: unknown, key: string, fallback: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw new CoreError('invalid_argument', `${key} must be an integer in 1..${max}`);
    return value;
  };
  const flag = (value: unknown, key: string): boolean => {
    if (value !== undefined && typeof value !== 'boolean') throw new CoreError('invalid_argument', `${key} must be true or false`);
    return value === true;
  };
  const chromium = raw.browser?.chromium;
  if (chromium !== undefined && (typeof chromium !== 'string' || chromium === '')) throw new CoreError('invalid_argument', 'browser.chromium must be a path');
  const browserDefaults = DEFAULT_NODE_CONFIG.browser;
  return {
    processAllowedCommands: strings(raw.process?.allowed_commands, 'process.allowed_commands'),
    httpAllowPrivateNetworks: flag(raw.http?.allow_private_networks, 'http.allow_private_networks'),
    httpAllowedHosts: strings(raw.http?.allowed_hosts, 'http.allowed_hosts'),
    httpMaxBytes: positive(raw.http?.max_bytes, 'http.max_bytes', DEFAULT_NODE_CONFIG.httpMaxBytes, 16 << 20),
    maxConcurrentTasks: positive(raw.node?.max_concurrent_tasks, 'node.max_concurrent_tasks', DEFAULT_NODE_CONFIG.maxConcurrentTasks, 16),
    browser: {
      enabled: flag(raw.browser?.enabled, 'browser.enabled'),
      chromiumPath: chromium as string | undefined,
      allowedHosts: strings(raw.browser?.allowed_hosts, 'browser.allowed_hosts'),
      maxSessions: positive(raw.browser?.max_sessions, 'browser.max_sessions', browserDefaults.maxSessions, 128),
      maxSessionsPerPrincipal: positive(raw.browser?.max_sessions_per_principal, 'browser.max_sessions_per_principal', browserDefaults.maxSessionsPerPrincipal, 128),
    },
  };
}
