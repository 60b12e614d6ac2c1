// `palyra version`: the CLI's version, and with --json also the Node version it runs on.
import type { Command } from 'commander';
import { PACKAGE_VERSION } from '../../infra/package-version.js';
import { readGlobalOptions } from '../global-options.js';
import { createOutput } from '../output.js';

/** Adds `version [--json]` to `program`. */
export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .action((_options: unknown, command: Command) => {
      const output = createOutput({ json: readGlobalOptions(command).json });
      output.result({ version: PACKAGE_VERSION, node: process.version }, `palyra ${PACKAGE_VERSION}`);
    });
}
