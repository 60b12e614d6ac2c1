// `palyra runs`: the command group. `get|tape|cancel` go over HTTP (runs-http.ts); `watch` is added by the gRPC commands.
import type { Command } from 'commander';
import { addHttpRunCommands } from './runs-http.js';

/**
 * Creates `palyra runs` with its HTTP subcommands and returns the group, so another module can add
 * subcommands to it (e.g. `runs watch` over gRPC: `registerRunsCommands(program).command('watch')…`).
 */
export function registerRunsCommands(program: Command): Command {
  // Whichever group registers first creates `runs`; the other adds to it (order in main.ts does not matter).
  const runs = program.commands.find((command) => command.name() === 'runs') ?? program.command('runs').description('inspect and control agent runs');
  addHttpRunCommands(runs);
  return runs;
}
