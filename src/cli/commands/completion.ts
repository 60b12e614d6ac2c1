// `palyra completion bash|zsh|fish`: prints a completion script for the whole command tree.
import { type Command, InvalidArgumentError } from 'commander';
import { completionScript, type Shell, SHELLS } from '../completion-script.js';

function shell(value: string): Shell {
  if (!(SHELLS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SHELLS.join(', ')}`);
  return value as Shell;
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .argument('<shell>', SHELLS.join(' | '), shell)
    .action((target: Shell) => {
      process.stdout.write(completionScript(program, target));
    });
}
