// `palyra browser sessions|open|navigate|screenshot|close` over the admin HTTP API: the daemon's browser sessions.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ulidArgument } from '../arguments.js';
import { type GlobalOptions, readGlobalOptions } from '../global-options.js';
import { type AdminClient, ApiError, adminClient } from '../http-client.js';
import { createOutput } from '../output.js';
import { type BrowserStatusBody, describeBrowser } from './status.js';

type SessionBody = {
  session_id: string;
  principal: string;
  state: string;
  current_url: string | null;
  latest_screenshot_id: string | null;
  action_count: number;
};

// Opening and navigating wait for the page (the service's own navigation deadline is 15 s by default).
const PAGE_TIMEOUT_MS = 60_000;

/**
 * Runs `work` with the daemon's client; a browser failure gets a hint: for an unknown session, where the
 * list is; for a refused address, the guard; when the service itself is off or down, its state and
 * reason from the status document.
 */
async function withBrowser<T>(global: GlobalOptions, work: (client: AdminClient) => Promise<T>): Promise<T> {
  const client = adminClient(global);
  try {
    return await work(client);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === 'not_found') throw error.withHint('`palyra browser sessions` lists the sessions you can use');
    // The service's own refusals (the address guard) are prefixed so; the daemon's scope refusals are not.
    if (error.code === 'permission_denied' && error.message.startsWith('browser service: ')) throw error.withHint("the browser's address guard refused the page; the message names the setting that permits it");
    if (error.code !== 'failed_precondition' && error.code !== 'unavailable') throw error;
    const { browser } = await client.get<{ browser: BrowserStatusBody | null }>('/admin/v1/status').catch(() => ({ browser: undefined }));
    if (browser === undefined || browser?.state === 'up') throw error;
    if (browser === null || !browser.enabled) throw error.withHint('turn it on with [browser] enabled = true in palyra.toml (Chromium needed) and restart palyrad');
    throw error.withHint(`the daemon's browser service is ${describeBrowser(browser)}; retry once \`palyra status\` shows it up`);
  }
}

export function registerBrowserCommands(program: Command): void {
  const browser = program.command('browser');
  const sessionId = ulidArgument('browser session id');

  browser
    .command('sessions')
    .description('list browser sessions (yours; every one for an admin), newest first')
    .action(async (_options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const page = await withBrowser(global, (client) => client.get<{ sessions: SessionBody[] }>('/admin/v1/browser/sessions'));
      createOutput({ json: global.json }).table(page.sessions, [
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
      const { session } = await withBrowser(global, (client) => client.post<{ session: SessionBody }>('/admin/v1/browser/sessions', url === undefined ? {} : { url }, { timeoutMs: PAGE_TIMEOUT_MS }));
      createOutput({ json: global.json }).result(session, `${session.session_id}${session.current_url ? ` ${session.current_url}` : ''}`);
    });

  browser
    .command('navigate')
    .description('load a URL in a browser session; prints the HTTP status, final URL and title')
    .argument('<session-id>', 'browser session id (from `palyra browser sessions`)', sessionId)
    .argument('<url>', 'an http(s) URL')
    .action(async (id: string, url: string, _options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const result = await withBrowser(global, (client) => client.post<{ final_url: string; status_code: number; title: string }>(`/admin/v1/browser/sessions/${id}/navigate`, { url }, { timeoutMs: PAGE_TIMEOUT_MS }));
      createOutput({ json: global.json }).result(result, `${result.status_code} ${result.final_url} ${result.title}`);
    });

  browser
    .command('screenshot')
    .description('take a screenshot of a browser session and save it as PNG')
    .argument('<session-id>', 'browser session id', sessionId)
    .requiredOption('-o, --output <file>', 'where to write the PNG')
    .action(async (id: string, options: { output: string }, command: Command) => {
      const global = readGlobalOptions(command);
      const { taken, bytes } = await withBrowser(global, async (client) => {
        const taken = await client.post<{ artifact_id: string; size_bytes: number }>(`/admin/v1/browser/sessions/${id}/screenshot`, {}, { timeoutMs: PAGE_TIMEOUT_MS });
        return { taken, bytes: await client.download(`/admin/v1/browser/artifacts/${taken.artifact_id}`) };
      });
      writeFileSync(options.output, bytes, { mode: 0o600 });
      createOutput({ json: global.json }).result({ ...taken, path: options.output }, `${options.output} (${bytes.length} bytes, artifact ${taken.artifact_id})`);
    });

  browser
    .command('close')
    .description('close a browser session')
    .argument('<session-id>', 'browser session id', sessionId)
    .action(async (id: string, _options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const { session } = await withBrowser(global, (client) => client.post<{ session: SessionBody }>(`/admin/v1/browser/sessions/${id}/close`, {}));
      createOutput({ json: global.json }).result(session, `${session.session_id} ${session.state}`);
    });
}
