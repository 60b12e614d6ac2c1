// `palyra node pair|run`: this machine as a Palyra node (the node host).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { pairNode } from '../node-host/pair.js';
import { loadNodeConfig } from '../node-host/node-config.js';
import { NodeHost } from '../node-host/node-host.js';
import type { TransportChoice } from '../node-host/dial.js';
import { readGlobalOptions } from '../global-options.js';
import { createOutput } from '../output.js';
import { startProgress, type Progress } from '../progress.js';

/** `$PALYRA_NODE_STATE_DIR`, else `$XDG_STATE_HOME/palyra/node`, else `~/.local/state/palyra/node`. */
function defaultStateDir(): string {
  return process.env.PALYRA_NODE_STATE_DIR || join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'palyra', 'node');
}

const transportOption = () => new Option('--transport <kind>', 'auto (QUIC, then TLS over TCP) | quic | tcp').choices(['auto', 'quic', 'tcp']).default('auto');

/**
 * The node's state directory. Commander gives a `--state-dir` written anywhere on the line to the root
 * program's option of the same name (the daemon's state dir, for credentials), so a value the user wrote
 * lands there rather than here; for node commands it means the node's directory either way.
 */
function nodeStateDir(command: Command, own: string): string {
  let root = command;
  while (root.parent) root = root.parent;
  if (command.getOptionValueSource('stateDir') !== 'cli' && root.getOptionValueSource('stateDir') === 'cli') return root.opts<{ stateDir: string }>().stateDir;
  return own;
}

/** The exact `palyra node run` that serves this pairing: the state dir (and transport) spelled out unless default. */
function nextRunCommand(stateDir: string, transport: TransportChoice): string {
  const words = ['palyra', 'node', 'run'];
  if (stateDir !== resolve(defaultStateDir())) words.push('--state-dir', /^[\w./-]+$/.test(stateDir) ? stateDir : `'${stateDir.replace(/'/g, `'\\''`)}'`);
  if (transport !== 'auto') words.push('--transport', transport);
  return words.join(' ');
}

export function registerNodeCommands(program: Command): void {
  const node = program.command('node');

  node
    .command('pair <join-string>')
    .description('pair with a daemon using a join string from `palyra pairing create` (waits for approval)')
    .option('--state-dir <dir>', 'node state directory (keys, certificate)', defaultStateDir())
    .option('--name <name>', 'display name shown to the operator (default: host name)')
    .option('--wait <seconds>', 'how long to wait for an operator', '900')
    .addOption(transportOption())
    .action(async (joinString: string, options: { stateDir: string; name?: string; wait: string; transport: TransportChoice }, command: Command) => {
      const { json } = readGlobalOptions(command);
      const output = createOutput({ json });
      const stateDir = resolve(nodeStateDir(command, options.stateDir));
      let waiting: Promise<Progress> | undefined;
      const outcome = await pairNode({
        joinString,
        stateDir,
        transport: options.transport,
        waitMs: Number(options.wait) * 1000,
        ...(options.name ? { displayName: options.name } : {}),
        log: (line) => output.note(line),
        onWaiting: (pairingId) => {
          waiting = startProgress(`waiting for an operator to approve (on the daemon host: palyra pairing approve ${pairingId})`, { json });
        },
      }).finally(async () => (await waiting)?.stop());
      output.result(
        { device_id: outcome.deviceId, identity_fingerprint: outcome.identityFingerprint, cert_fingerprint: outcome.certFingerprint, cert_expires_at_unix_ms: outcome.certNotAfterMs, daemon: outcome.daemon },
        `paired as ${outcome.deviceId} with ${outcome.daemon}; next: ${nextRunCommand(stateDir, options.transport)}`,
      );
    });

  node
    .command('run')
    .description('connect to the paired daemon and run the tasks it sends (reconnects until stopped)')
    .option('--state-dir <dir>', 'node state directory', defaultStateDir())
    .option('--config <file>', 'node config (node.toml): allowed commands, HTTP access, concurrency, browser')
    .addOption(transportOption())
    .action(async (options: { stateDir: string; config?: string; transport: TransportChoice }, command: Command) => {
      const output = createOutput({ json: readGlobalOptions(command).json });
      const host = new NodeHost({
        stateDir: resolve(nodeStateDir(command, options.stateDir)),
        config: loadNodeConfig(options.config),
        transport: options.transport,
        onEvent: (event) => {
          // Why the host stopped is reported once, as the command's error.
          if (event.type === 'stopped' && event.error !== null && !output.json) return;
          output.event(event, `${event.type} ${JSON.stringify({ ...event, type: undefined })}`);
        },
      }).start();
      const stop = () => void host.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const fatal = await host.done;
      if (fatal) throw fatal;
    });
}
