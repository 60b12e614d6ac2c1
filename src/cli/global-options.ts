// The options every `palyra` command accepts (--url, --grpc, --token, --json) and how a command reads them.
import { Command, InvalidArgumentError, Option } from 'commander';

export const DEFAULT_URL = 'http://127.0.0.1:7142';
export const DEFAULT_GRPC = '127.0.0.1:7443';
export const DEFAULT_STATE_DIR = '.palyra';

export interface GlobalOptions {
  /** Base URL of the daemon's HTTP API. */
  url: string;
  /** `host:port` of the daemon's gRPC gateway. */
  grpc: string;
  /** Admin token, if given by --token or PALYRA_ADMIN_TOKEN. */
  token?: string;
  /** The daemon's state directory, where a loopback daemon's admin token is found (--state-dir, PALYRA_STATE_DIR, ./.palyra). */
  stateDir: string;
  /** True when --url / --grpc were given (flag or environment), so a stored login for other addresses is not used. */
  urlGiven: boolean;
  grpcGiven: boolean;
  /** Machine-readable output: one JSON document, or NDJSON lines for streams. */
  json: boolean;
}

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http:// or https:// URL, e.g. http://127.0.0.1:7142');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('expected an http:// or https:// URL, e.g. http://127.0.0.1:7142');
  }
  return value.replace(/\/+$/, '');
}

function parseHostPort(value: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) > 65535) {
    throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:7443 or [::1]:7443');
  }
  return value;
}

/** Declares the global options on the root program (subcommands see them via optsWithGlobals). */
export function addGlobalOptions(program: Command): void {
  program
    .addOption(
      new Option('--url <url>', 'daemon HTTP API base URL').env('PALYRA_URL').default(DEFAULT_URL).argParser(parseUrl),
    )
    .addOption(
      new Option('--grpc <host:port>', 'daemon gRPC address').env('PALYRA_GRPC').default(DEFAULT_GRPC).argParser(parseHostPort),
    )
    .addOption(new Option('--token <token>', 'admin token (default: the stored login, else <state-dir>/admin-token for a loopback daemon)').env('PALYRA_ADMIN_TOKEN'))
    .addOption(new Option('--state-dir <dir>', "the local daemon's state directory (its admin-token is used when no other credential is given)").env('PALYRA_STATE_DIR').default(DEFAULT_STATE_DIR))
    .addOption(new Option('--json', 'machine-readable output (JSON, or NDJSON for streams)'));
}

/** The global options as seen from any (sub)command, typed. */
export function readGlobalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<Partial<GlobalOptions>>();
  let root = command;
  while (root.parent) root = root.parent;
  const given = (name: string) => ['cli', 'env'].includes(root.getOptionValueSource(name) ?? '');
  return {
    url: options.url ?? DEFAULT_URL,
    grpc: options.grpc ?? DEFAULT_GRPC,
    ...(options.token ? { token: options.token } : {}),
    // Subcommands such as `node run` have a --state-dir of their own (the node's); the daemon's is the root's.
    stateDir: root.opts<{ stateDir?: string }>().stateDir ?? DEFAULT_STATE_DIR,
    urlGiven: given('url'),
    grpcGiven: given('grpc'),
    json: options.json === true,
  };
}
