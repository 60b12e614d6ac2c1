// `palyra dashboard`: the web console's URL (the daemon's HTTP address, or the stored login's), opened in a browser.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { resolveTarget } from '../credentials.js';
import { readGlobalOptions } from '../global-options.js';
import { createOutput } from '../output.js';

/** $BROWSER if set (the common convention), else the platform's opener. */
function opener(): { command: string; args: string[] } {
  if (process.env.BROWSER) return { command: process.env.BROWSER, args: [] };
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

function open(url: string): Promise<string | undefined> {
  const { command, args } = opener();
  return new Promise((resolve) => {
    const child = spawn(command, [...args, url], { stdio: 'ignore', detached: true });
    child.once('error', (error) => resolve(`could not start ${command}: ${error.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .option('--no-open', 'only print the URL')
    .action(async (options: { open: boolean }, command: Command) => {
      const globals = readGlobalOptions(command);
      const url = `${resolveTarget(globals).url}/`;
      const output = createOutput({ json: globals.json });
      output.result({ url }, url);
      if (!options.open) return;
      const problem = await open(url);
      if (problem) output.note(`${problem}; open the URL above yourself (sign in with the admin token: palyrad keeps it in <state_dir>/admin-token)`);
    });
}
