// The `palyra` program: global options, the command groups (loaded on demand), and one place that turns failures into exit codes.
import { Command, CommanderError } from 'commander';
import { PACKAGE_VERSION } from '../infra/package-version.js';
import { COMMAND_GROUPS } from './command-table.js';
import { addGlobalOptions } from './global-options.js';
import { EXIT_CODES, reportError } from './output.js';

const USAGE_HINT = 'hint: run `palyra --help` (or `palyra <command> --help`) for usage';

/** The first word of `args` that is not one of `program`'s own options or its value: the command asked for. */
function commandWord(program: Command, args: readonly string[]): string | undefined {
  const takesValue = new Set(program.options.filter((option) => option.required).flatMap((option) => [option.long, option.short]));
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === '--') return args[index + 1];
    if (!arg.startsWith('-')) return arg;
    if (takesValue.has(arg)) index += 1;
  }
  return undefined;
}

/**
 * Builds the command tree for `args`. The groups of the command asked for are imported and registered
 * fully; the others by name and description only (enough for `--help` and suggestions).
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('palyra')
    .description('command-line client for palyrad, the Palyra agent-run daemon')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError(USAGE_HINT)
    .showSuggestionAfterError(true)
    .exitOverride();
  addGlobalOptions(program);
  const word = commandWord(program, args);
  // `palyra help runs` shows the help of `runs`, so that group must be loaded too; a completion script
  // covers every command.
  const wanted = new Set([word, word === 'help' ? commandWord(program, args.slice(args.indexOf('help') + 1)) : undefined]);
  const load = wanted.has('completion') ? 'all' : wanted;
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
  const program = await buildProgram(argv.slice(2));
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
