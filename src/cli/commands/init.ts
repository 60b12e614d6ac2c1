// `palyra init`: writes a commented palyra.toml with every key at its default, never over an existing file unless asked.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultConfigToml } from '../../infra/config/config-toml.js';
import { readGlobalOptions } from '../global-options.js';
import { CliError, createOutput } from '../output.js';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .option('--output <file>', 'where to write it', 'palyra.toml')
    .option('--force', 'overwrite an existing file')
    .action((options: { output: string; force?: boolean }, command: Command) => {
      const path = resolve(options.output);
      if (existsSync(path) && !options.force) {
        throw new CliError(`${path} already exists; left unchanged`, { hint: 'pass --force to overwrite it, or --output to write somewhere else' });
      }
      writeFileSync(path, defaultConfigToml(), { mode: 0o600 });
      createOutput({ json: readGlobalOptions(command).json }).result(
        { path },
        `wrote ${path}: every key with its default, commented\nnext: edit what you need, then start the daemon from this directory (npm start, or palyrad --config ${options.output})`,
      );
    });
}
