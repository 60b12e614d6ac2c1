// Every top-level `palyra` command: its one-line description and the module that defines it, loaded only when needed.
import type { Command } from 'commander';

type Register = (program: Command) => void;

export interface CommandGroup {
  /** Top-level command names this group defines, with the description `palyra --help` shows for each. */
  commands: Readonly<Record<string, string>>;
  /** Imports the group's module(s) and returns what registers its commands (with options, subcommands, actions). */
  load(): Promise<Register>;
}

// Loading a group costs its imports (the gRPC stack is ~300 ms, the node host ~1 s), so `palyra status`
// loads only the HTTP client: see bench/cli-startup.ts.
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    commands: { version: 'print the palyra version (--json: {"version","node"})' },
    load: async () => (await import('./commands/version.js')).registerVersionCommand,
  },
  {
    commands: { status: 'show the daemon status (version, listeners, active runs, journal head)' },
    load: async () => (await import('./commands/status.js')).registerStatusCommand,
  },
  {
    commands: {
      login: 'exchange the admin token for a session token, stored 0600; later commands use it over HTTP and gRPC',
      logout: 'revoke the stored session token on the daemon and delete it',
    },
    load: async () => (await import('./commands/login.js')).registerLoginCommands,
  },
  {
    commands: {
      run: 'run one prompt and stream its reply (the run id and a summary go to stderr; approvals are asked on stdin)',
      chat: 'interactive session: each line is a turn, approvals are asked inline (y / n / s); Ctrl-C cancels a turn, Ctrl-D leaves',
      runs: 'list, inspect, follow and cancel agent runs',
      sessions: 'your sessions',
      approvals: 'tool approvals: list them, decide one',
      tokens: 'scoped API tokens: create, list, revoke',
    },
    load: async () => {
      const [gateway, runsHttp, runs] = await Promise.all([import('./commands/gateway.js'), import('./commands/runs-http.js'), import('./commands/runs.js')]);
      return (program) => {
        gateway.registerGatewayCommands(program);
        runsHttp.addHttpRunCommands(runs.registerRunsGroup(program));
      };
    },
  },
  {
    commands: { tools: 'the tools runs may call here: which run, which ask for approval, which are refused' },
    load: async () => (await import('./commands/tools.js')).registerToolsCommand,
  },
  {
    commands: { init: 'write a commented palyra.toml with every key at its default (--output, --force)' },
    load: async () => (await import('./commands/init.js')).registerInitCommand,
  },
  {
    commands: { completion: 'print a shell completion script: bash, zsh or fish (e.g. source <(palyra completion bash))' },
    load: async () => (await import('./commands/completion.js')).registerCompletionCommand,
  },
  {
    commands: { dashboard: 'print the web console URL and open it in a browser (--no-open only prints it)' },
    load: async () => (await import('./commands/dashboard.js')).registerDashboardCommand,
  },
  {
    commands: { doctor: 'check this machine: Node/npm, native modules, state dir modes, ports, daemon over HTTP/gRPC/QUIC, credential, certificates, clock, Chromium (--json)' },
    load: async () => (await import('./commands/doctor.js')).registerDoctorCommand,
  },
  {
    commands: { journal: 'inspect the audit journal' },
    load: async () => (await import('./commands/journal.js')).registerJournalCommands,
  },
  {
    commands: { pairing: 'pair remote nodes: create codes, review and decide pairing requests' },
    load: async () => (await import('./commands/pairing.js')).registerPairingCommands,
  },
  {
    commands: { nodes: 'paired remote nodes: list them, invoke a capability, revoke one' },
    load: async () => (await import('./commands/nodes.js')).registerNodesCommands,
  },
  {
    commands: { browser: 'browser sessions of the daemon: list, open, navigate, screenshot, close' },
    load: async () => (await import('./commands/browser.js')).registerBrowserCommands,
  },
  {
    commands: { node: 'run this machine as a node: pair it with a daemon, then serve its capabilities' },
    load: async () => (await import('./commands/node.js')).registerNodeCommands,
  },
];
