// `palyra status`: what the daemon is doing, from GET /admin/v1/status.
import type { Command } from 'commander';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { createOutput } from '../output.js';

interface StatusBody {
  version: string;
  pid: number;
  uptime_seconds: number;
  listeners: Record<string, string | null>;
  model: string;
  active_runs: number;
  pending_approvals: number;
  journal: { events: number; head_hash: string | null };
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
      ].join('\n'));
    });
}
