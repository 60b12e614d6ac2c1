// The `palyra` program: global options, the command groups, and one place that turns failures into exit codes.
import { Command, CommanderError } from 'commander';
import { PACKAGE_VERSION } from '../infra/package-version.js';
import { registerGatewayCommands } from './commands/gateway.js';
import { registerJournalCommands } from './commands/journal.js';
import { registerLoginCommands } from './commands/login.js';
import { registerNodeCommands } from './commands/node.js';
import { registerNodesCommands } from './commands/nodes.js';
import { registerPairingCommands } from './commands/pairing.js';
import { addHttpRunCommands } from './commands/runs-http.js';
import { registerRunsGroup } from './commands/runs.js';
import { registerStatusCommand } from './commands/status.js';
import { registerVersionCommand } from './commands/version.js';
import { addGlobalOptions } from './global-options.js';
import { EXIT_CODES, reportError } from './output.js';

const USAGE_HINT = 'hint: run `palyra --help` (or `palyra <command> --help`) for usage';

/** Builds the command tree; actions report failures by throwing (see `main`). */
export function buildProgram(): Command {
  const program = new Command('palyra')
    .description('command-line client for palyrad, the Palyra agent-run daemon')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError(USAGE_HINT)
    .showSuggestionAfterError(true)
    .exitOverride();
  addGlobalOptions(program);
  registerVersionCommand(program);
  registerJournalCommands(program);
  registerStatusCommand(program);
  addHttpRunCommands(registerRunsGroup(program));
  registerLoginCommands(program);
  registerGatewayCommands(program);
  registerPairingCommands(program);
  registerNodesCommands(program);
  registerNodeCommands(program);
  return program;
}

/**
 * Runs `palyra` with `argv` (as process.argv) and resolves to the exit code: 0, the code an action
 * left in process.exitCode, 2 for usage errors, or the code `reportError` chose.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the problem (and the usage hint); help and --version end here too.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    return reportError(error, { json: program.opts<{ json?: boolean }>().json === true });
  }
}
