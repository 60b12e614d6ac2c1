// The palyrad command (loaded by bin/palyrad.ts): parses the daemon flags, loads the config, starts the daemon and stops it on SIGTERM/SIGINT.
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { isCoreError, type ErrorCode } from '../core/errors.js';
import type { RunningDaemon } from '../daemon.js';
import { loadConfig, type ConfigFlags } from '../infra/config/load-config.js';
import { renderConfigToml } from '../infra/config/config-toml.js';
import { redactConfig } from '../infra/config/redact-config.js';
import { LOG_FORMATS, LOG_LEVELS } from '../infra/config/schema.js';
import { createLogger, type Logger } from '../infra/log.js';
import { PACKAGE_VERSION } from '../infra/package-version.js';

interface DaemonFlags extends ConfigFlags {
  readyFile?: string;
  printConfig?: boolean | string;
}

const CHECK_CONFIG = 'palyrad --help lists the flags; palyrad --print-config shows the effective configuration';

const HINTS: Partial<Record<ErrorCode, string>> = {
  invalid_argument: CHECK_CONFIG,
  failed_precondition: 'palyrad --print-config shows the state_dir and ports in use',
  unavailable: 'another process may hold a port: choose others with --http-port/--grpc-port/--quic-port (0 = any free port)',
};

function buildCommand(): Command {
  return new Command('palyrad')
    .description('the Palyra daemon: orchestrates agent runs and serves them over HTTP, gRPC and QUIC')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .option('--state-dir <path>', 'state directory (env PALYRA_STATE_DIR, default ./.palyra)')
    .option('--config <path>', 'config file (env PALYRA_CONFIG, default <state_dir>/palyra.toml, then ./palyra.toml)')
    .option('--http-port <port>', 'HTTP port, 0 = any free port (env PALYRA_HTTP_PORT, default 7142)')
    .option('--grpc-port <port>', 'gRPC port, 0 = any free port (env PALYRA_GRPC_PORT, default 7443)')
    .option('--quic-port <port>', 'QUIC (UDP) port, 0 = any free port (env PALYRA_QUIC_PORT, default 7444)')
    .option('--host <host>', 'bind address of all listeners; non-loopback needs TLS and an admin token (default 127.0.0.1)')
    .option('--ready-file <path>', 'file written once the daemon listens (for supervisors and tests)')
    .option('--print-config [format]', 'print the effective configuration as palyra.toml (or `json`), secrets left out, and exit')
    .option('--log-level <level>', `${LOG_LEVELS.join(' | ')} (env PALYRA_LOG_LEVEL, default info)`)
    .option('--log-format <format>', `${LOG_FORMATS.join(' | ')}: auto writes readable lines on a terminal, JSON otherwise (env PALYRA_LOG_FORMAT)`)
    .showHelpAfterError('hint: run `palyrad --help` for the options')
    .exitOverride();
}

function isDebug(flags: DaemonFlags): boolean {
  const level = flags.logLevel ?? process.env.PALYRA_LOG_LEVEL;
  return level === 'debug' || level === 'trace';
}

/** Prints `palyrad: <message>` and a hint on stderr; the stack only for unexpected errors at debug level. */
function reportStartupError(error: unknown, debug: boolean): void {
  const lines: string[] = [];
  let hint: string;
  if (isCoreError(error)) {
    lines.push(...error.message.split('\n'));
    hint = typeof error.details.hint === 'string' ? error.details.hint : (HINTS[error.code] ?? CHECK_CONFIG);
  } else {
    lines.push(error instanceof Error ? error.message : String(error));
    hint = debug ? 'this is unexpected; the stack trace is above' : 'this is unexpected; rerun with --log-level debug for the stack trace';
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  process.stderr.write(`${lines.map((line) => `palyrad: ${line}`).join('\n')}\nhint: ${hint}\n`);
}

/** The first SIGTERM/SIGINT closes the daemon once it has started; a second one exits at once with 1. */
function stopOnSignals(started: Promise<RunningDaemon>, logger: Logger, debug: boolean): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting before shutdown finished');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    started.then(
      (daemon) =>
        daemon.close(signal).then(
          () => process.exit(0),
          (error: unknown) => {
            reportStartupError(error, debug);
            process.exit(1);
          },
        ),
      // A failed start is reported (and exits) where it is awaited.
      () => undefined,
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function run(argv: readonly string[]): Promise<number> {
  const command = buildCommand();
  try {
    command.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const { readyFile, printConfig, ...flags } = command.opts<DaemonFlags>();
  const debug = isDebug(flags);
  let config;
  try {
    config = loadConfig({ flags, env: process.env, cwd: process.cwd() });
  } catch (error) {
    reportStartupError(error, debug);
    return 1;
  }
  if (printConfig === 'json') {
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    return 0;
  }
  if (printConfig !== undefined) {
    if (printConfig !== true && printConfig !== 'toml') {
      process.stderr.write(`palyrad: --print-config takes toml (the default) or json, not ${JSON.stringify(printConfig)}\nhint: ${CHECK_CONFIG}\n`);
      return 2;
    }
    process.stdout.write(renderConfigToml(config, { annotate: false }));
    return 0;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  // Second line of defence only: the QUIC library's known crashes are fixed at the root (patches/), but a
  // rejection nobody handled must not stop a daemon that serves other clients.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection; still serving'));
  // Imported only here, so --help, --version and --print-config never load the daemon.
  const started: Promise<RunningDaemon> = import('../daemon.js').then(({ startDaemon }) =>
    startDaemon({ config, logger, ...(readyFile ? { readyFile: resolve(readyFile) } : {}) }),
  );
  stopOnSignals(started, logger, debug);
  try {
    await started;
  } catch (error) {
    reportStartupError(error, debug);
    // Whatever the failed start left open (a bound port, a timer) must not keep the process alive.
    process.exit(1);
  }
  return 0;
}

process.exitCode = await run(process.argv);
