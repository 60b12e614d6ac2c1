// Shell completion scripts for bash, zsh and fish, generated from the command tree (static: no node start at TAB time).
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  /** `''` for the root, `runs` or `runs list` below it. */
  path: string;
  subcommands: { name: string; description: string }[];
  options: { flags: string[]; takesValue: boolean; description: string }[];
}

function optionOf(option: Option): Node['options'][number] {
  const flags = [option.long, option.short].filter((flag): flag is string => typeof flag === 'string');
  return { flags, takesValue: option.required || option.optional, description: option.description };
}

function collect(command: Command, path: string, into: Node[]): void {
  const subcommands = command.commands.filter((child) => child.name() !== 'help');
  into.push({
    path,
    subcommands: subcommands.map((child) => ({ name: child.name(), description: child.description() })),
    options: [...command.options.map(optionOf), { flags: ['--help', '-h'], takesValue: false, description: 'show help' }],
  });
  for (const child of subcommands) collect(child, path ? `${path} ${child.name()}` : child.name(), into);
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

// The root's key is `.`: bash refuses an empty associative-array subscript.
function bash(nodes: readonly Node[]): string {
  const root = nodes[0] as Node;
  const valued = root.options.filter((option) => option.takesValue).flatMap((option) => option.flags);
  const words = (list: readonly string[]) => quote(list.join(' '));
  return [
    '# palyra completion for bash: add `source <(palyra completion bash)` to ~/.bashrc',
    '_palyra() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} path=. word i next',
    '  local -A subs=(',
    ...nodes.map((node) => `    [${quote(node.path || '.')}]=${words(node.subcommands.map((sub) => sub.name))}`),
    '  )',
    '  local -A opts=(',
    ...nodes.map((node) => `    [${quote(node.path || '.')}]=${words(node.options.flatMap((option) => option.flags))}`),
    '  )',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word=${COMP_WORDS[i]}',
    '    case $word in',
    `      ${valued.join('|')}) ((i++)) ;;`,
    '      -*) ;;',
    '      *) [[ $path == . ]] && next=$word || next="$path $word"; [[ -n ${subs[$next]+x} ]] && path=$next ;;',
    '    esac',
    '  done',
    '  if [[ $cur == -* ]]; then',
    '    COMPREPLY=($(compgen -W "${opts[$path]}" -- "$cur"))',
    '  else',
    '    COMPREPLY=($(compgen -W "${subs[$path]}" -- "$cur"))',
    '  fi',
    '}',
    'complete -o default -F _palyra palyra',
    '',
  ].join('\n');
}

function zsh(nodes: readonly Node[]): string {
  return ['# palyra completion for zsh: add `source <(palyra completion zsh)` to ~/.zshrc', 'autoload -U +X bashcompinit && bashcompinit', bash(nodes)].join('\n');
}

function fish(nodes: readonly Node[]): string {
  const lines = ['# palyra completion for fish: palyra completion fish > ~/.config/fish/completions/palyra.fish', 'complete -c palyra -f'];
  for (const node of nodes) {
    const words = node.path ? node.path.split(' ') : [];
    const condition = words.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${words.at(-1)}`;
    for (const sub of node.subcommands) lines.push(`complete -c palyra -n ${quote(condition)} -a ${quote(sub.name)} -d ${quote(sub.description)}`);
    for (const option of node.options) {
      const long = option.flags.find((flag) => flag.startsWith('--'))?.slice(2);
      const short = option.flags.find((flag) => /^-[^-]/.test(flag))?.slice(1);
      const parts = [`complete -c palyra`, words.length === 0 ? '' : `-n ${quote(condition)}`, long ? `-l ${long}` : '', short ? `-s ${short}` : '', option.takesValue ? '-r' : '', `-d ${quote(option.description)}`];
      lines.push(parts.filter(Boolean).join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`, covering every command, subcommand and option of `program`. */
export function completionScript(program: Command, shell: Shell): string {
  const nodes: Node[] = [];
  collect(program, '', nodes);
  return shell === 'bash' ? bash(nodes) : shell === 'zsh' ? zsh(nodes) : fish(nodes);
}
