// `palyra browser sessions|open|navigate|screenshot|close` over the admin HTTP API: the daemon's browser sessions.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ulidArgument } from '../arguments.js';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { createOutput } from '../output.js';

interface SessionBody {
  session_id: string;
  principal: string;
  state: string;
  current_url: string | null;
  latest_screenshot_id: string | null;
  action_count: number;
}

export function registerBrowserCommands(program: Command): void {
  const browser = program.command('browser');
  const sessionId = ulidArgument('browser session id');

  browser
    .command('sessions')
    .description('list browser sessions (yours; every one for an admin)')
    .action(async (_options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const page = await adminClient(global).get<{ sessions: SessionBody[] }>('/admin/v1/browser/sessions');
      createOutput({ json: global.json }).table(page.sessions as unknown as Record<string, unknown>[], [
        { key: 'session_id' },
        { key: 'state' },
        { key: 'principal' },
        { key: 'current_url', header: 'URL' },
        { key: 'action_count', header: 'ACTIONS' },
      ]);
    });

  browser
    .command('open')
    .description('open a browser session, optionally loading a URL; prints its id')
    .argument('[url]', 'an http(s) URL to load')
    .action(async (url: string | undefined, _options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const { session } = await adminClient(global).post<{ session: SessionBody }>('/admin/v1/browser/sessions', url === undefined ? {} : { url }, { timeoutMs: 60_000 });
      createOutput({ json: global.json }).result(session, `${session.session_id}${session.current_url ? ` ${session.current_url}` : ''}`);
    });

  browser
    .command('navigate')
    .description('load a URL in a browser session')
    .argument('<session-id>', 'browser session id', sessionId)
    .argument('<url>', 'an http(s) URL')
    .action(async (id: string, url: string, _options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const result = await adminClient(global).post<{ final_url: string; status_code: number; title: string }>(`/admin/v1/browser/sessions/${id}/navigate`, { url }, { timeoutMs: 60_000 });
      createOutput({ json: global.json }).result(result, `${result.status_code} ${result.final_url} ${result.title}`);
    });

  browser
    .command('screenshot')
    .description('take a screenshot of a browser session and save it as PNG')
    .argument('<session-id>', 'browser session id', sessionId)
    .requiredOption('-o, --output <file>', 'where to write the PNG')
    .action(async (id: string, options: { output: string }, command: Command) => {
      const global = readGlobalOptions(command);
      const client = adminClient(global);
      const taken = await client.post<{ artifact_id: string; size_bytes: number }>(`/admin/v1/browser/sessions/${id}/screenshot`, {}, { timeoutMs: 60_000 });
      const bytes = await client.download(`/admin/v1/browser/artifacts/${taken.artifact_id}`);
      writeFileSync(options.output, bytes, { mode: 0o600 });
      createOutput({ json: global.json }).result({ ...taken, path: options.output }, `${options.output} (${bytes.length} bytes, artifact ${taken.artifact_id})`);
    });

  browser
    .command('close')
    .description('close a browser session')
    .argument('<session-id>', 'browser session id', sessionId)
    .action(async (id: string, _options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const { session } = await adminClient(global).post<{ session: SessionBody }>(`/admin/v1/browser/sessions/${id}/close`, {});
      createOutput({ json: global.json }).result(session, `${session.session_id} ${session.state}`);
    });
}
