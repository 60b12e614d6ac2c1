// The `palyra` program: global options, the command groups (loaded on demand), and one place that turns failures into exit codes.
import { Command, CommanderError } from 'commander';
import { PACKAGE_VERSION } from '../infra/package-version.js';
import { COMMAND_GROUPS } from './command-table.js';
import { addGlobalOptions, GLOBAL_OPTIONS_WITH_VALUES } from './global-options.js';
import { EXIT_CODES, reportError } from './output.js';

const USAGE_HINT = 'hint: run `palyra --help` (or `palyra <command> --help`) for usage';

/** The first word of `args` that is not a global option or its value: the command a person asked for. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === '--') return args[index + 1];
    if (!arg.startsWith('-')) return arg;
    if (GLOBAL_OPTIONS_WITH_VALUES.includes(arg)) index += 1;
  }
  return undefined;
}

/**
 * Builds the command tree. Groups named in `load` are imported and registered fully; the others are
 * registered by name and description only (enough for `--help` and suggestions). `'all'` loads every group.
 */
export async function buildProgram(load: ReadonlySet<string> | 'all'): Promise<Command> {
  const program = new Command('palyra')
    .description('command-line client for palyrad, the Palyra agent-run daemon')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError(USAGE_HINT)
    .showSuggestionAfterError(true)
    .exitOverride();
  addGlobalOptions(program);
  for (const group of COMMAND_GROUPS) {
    const names = Object.keys(group.commands);
    if (load === 'all' || names.some((name) => load.has(name))) (await group.load())(program);
    for (const [name, description] of Object.entries(group.commands)) {
      const command = program.commands.find((candidate) => candidate.name() === name) ?? program.command(name);
      command.description(description);
    }
  }
  return program;
}

/**
 * Runs `palyra` with `argv` (as process.argv) and resolves to the exit code: 0, the code an action
 * left in process.exitCode, 2 for usage errors, or the code `reportError` chose.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  const word = commandWord(args);
  // `palyra help runs` shows the help of `runs`, so that group must be loaded too.
  const wanted = new Set([word, word === 'help' ? commandWord(args.slice(args.indexOf('help') + 1)) : undefined].filter((name): name is string => name !== undefined));
  // A completion script covers every command, so `completion` loads them all.
  const program = await buildProgram(wanted.has('completion') ? 'all' : wanted);
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
