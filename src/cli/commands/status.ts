// `palyra status`: what the daemon is doing, from GET /admin/v1/status.
import type { Command } from 'commander';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { createOutput } from '../output.js';

export interface BrowserStatusBody {
  enabled: boolean;
  state: string;
  reason: string;
  embedded: boolean;
  endpoint: string | null;
  chromium: string | null;
  restarts: number;
  last_error: string | null;
}

interface StatusBody {
  version: string;
  pid: number;
  uptime_seconds: number;
  listeners: Record<string, string | null>;
  model: string;
  active_runs: number;
  pending_approvals: number;
  journal: { events: number; head_hash: string | null };
  browser: BrowserStatusBody | null;
}

/** One line on the browser service: its state and why, where it runs, its restarts and last error. */
export function describeBrowser(browser: BrowserStatusBody | null): string {
  if (browser === null) return 'not configured on this daemon';
  if (!browser.enabled) return browser.reason;
  const where = browser.endpoint === null ? '' : `, ${browser.embedded ? 'child' : 'remote'} at ${browser.endpoint}`;
  const restarts = browser.restarts > 0 ? `, ${browser.restarts} restart${browser.restarts === 1 ? '' : 's'}` : '';
  const lastError = browser.last_error === null ? '' : `, last error: ${browser.last_error}`;
  return `${browser.state} (${browser.reason})${where}${restarts}${lastError}`;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .action(async (_options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const status = await adminClient(global).get<StatusBody>('/admin/v1/status');
      const listeners = Object.entries(status.listeners)
        .map(([name, address]) => `${name}=${address ?? '-'}`)
        .join(' ');
      createOutput({ json: global.json }).result(status, [
        `palyrad ${status.version} (pid ${status.pid}, up ${status.uptime_seconds}s)`,
        `listeners  ${listeners}`,
        `model      ${status.model}`,
        `runs       ${status.active_runs} active, ${status.pending_approvals} approvals pending`,
        `journal    ${status.journal.events} events, head ${status.journal.head_hash ?? '(empty)'}`,
        `browser    ${describeBrowser(status.browser)}`,
      ].join('\n'));
    });
}
