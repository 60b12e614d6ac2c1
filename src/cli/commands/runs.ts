// `palyra runs`: the command group. `get|tape|cancel` go over HTTP (runs-http.ts); `list|watch` over gRPC (runs-grpc.ts).
import type { Command } from 'commander';

/** The `palyra runs` group, created by whichever command module asks first (order in main.ts does not matter). */
export function registerRunsGroup(program: Command): Command {
  return program.commands.find((command) => command.name() === 'runs') ?? program.command('runs');
}
