#!/usr/bin/env node
// Entry point of palyra-browserd: parses flags, starts the browser service, prints the ready line, stops on SIGTERM.
import '../infra/runtime-check.js';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { isCoreError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { findChromium } from '../browser/engine/chromium-path.js';
import { DEFAULT_ENGINE_LIMITS, type EngineLimits } from '../browser/engine/limits.js';
import { type HostPort, startBrowserd } from '../browser/browserd.js';
import { createLogger } from '../infra/log.js';
import { PACKAGE_VERSION } from '../infra/package-version.js';
import { LOG_LEVELS, type LogLevel } from '../infra/config/schema.js';

interface Flags {
  grpcListen: string;
  healthListen: string;
  tokenFile?: string;
  allowNoToken?: boolean;
  chromium?: string;
  allowPrivateHosts?: string;
  allowSessionPrivateTargets?: boolean;
  downloadsDir?: string;
  maxSessions?: string;
  maxSessionsPerPrincipal?: string;
  maxActionsPerSecond?: string;
  maxActionsPerSession?: string;
  logLevel: string;
}

/** Force-exit deadline after SIGTERM; the contract promises an exit within 2 s. */
const STOP_DEADLINE_MS = 1_800;

function fail(message: string): never {
  process.stderr.write(`palyra-browserd: ${message}\nhint: palyra-browserd --help lists the flags\n`);
  process.exit(2);
}

function parseHostPort(text: string, flag: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) fail(`${flag} takes host:port, not ${JSON.stringify(text)}`);
  return { host: (match[1] ?? match[2]) as string, port };
}

function positive(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) fail(`${flag} takes a positive integer, not ${JSON.stringify(text)}`);
  return value;
}

function readToken(flags: Flags): string | undefined {
  if (flags.tokenFile) {
    try {
      const token = readFileSync(flags.tokenFile, 'utf8').trim();
      if (token === '') fail(`--token-file ${flags.tokenFile} is empty`);
      return token;
    } catch (error) {
      fail(`cannot read --token-file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const fromEnv = process.env.PALYRA_BROWSERD_TOKEN?.trim();
  return fromEnv ? fromEnv : undefined;
}

function limitsFrom(flags: Flags): EngineLimits {
  const base = DEFAULT_ENGINE_LIMITS;
  return {
    maxSessions: positive(flags.maxSessions, '--max-sessions', base.maxSessions),
    maxSessionsPerPrincipal: positive(flags.maxSessionsPerPrincipal, '--max-sessions-per-principal', base.maxSessionsPerPrincipal),
    session: {
      ...base.session,
      maxActionsPerSecond: positive(flags.maxActionsPerSecond, '--max-actions-per-second', base.session.maxActionsPerSecond),
      maxActionsPerSession: positive(flags.maxActionsPerSession, '--max-actions-per-session', base.session.maxActionsPerSession),
    },
  };
}

const command = new Command('palyra-browserd')
  .description('the Palyra browser service: headless Chromium automation over gRPC (palyra.browser.v1)')
  .version(PACKAGE_VERSION, '-V, --version', 'print the version')
  .option('--grpc-listen <host:port>', 'gRPC listener; port 0 = any free port', '127.0.0.1:7543')
  .option('--health-listen <host:port>', 'HTTP /healthz listener; port 0 = any free port', '127.0.0.1:7143')
  .option('--token-file <path>', 'file holding the service token (else env PALYRA_BROWSERD_TOKEN)')
  .option('--allow-no-token', 'serve without a token (loopback --grpc-listen only)')
  .option('--chromium <path>', 'Chromium binary (else env PALYRA_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH)')
  .option('--allow-private-hosts <hosts>', 'comma-separated host names or IP literals that may resolve to internal addresses')
  .option('--allow-session-private-targets', 'let CreateSession ask for allow_private_targets (all internal addresses for that session)')
  .option('--downloads-dir <dir>', 'quarantine folder for downloads (default: a new folder under the temp dir)')
  .option('--max-sessions <n>', `sessions in total (default ${DEFAULT_ENGINE_LIMITS.maxSessions})`)
  .option('--max-sessions-per-principal <n>', `sessions per principal (default ${DEFAULT_ENGINE_LIMITS.maxSessionsPerPrincipal})`)
  .option('--max-actions-per-second <n>', `actions per second per session (default ${DEFAULT_ENGINE_LIMITS.session.maxActionsPerSecond})`)
  .option('--max-actions-per-session <n>', `actions per session (default ${DEFAULT_ENGINE_LIMITS.session.maxActionsPerSession})`)
  .option('--log-level <level>', LOG_LEVELS.join(' | '), 'info')
  .exitOverride();

try {
  command.parse(process.argv);
} catch (error) {
  process.exit(error instanceof CommanderError && error.exitCode === 0 ? 0 : 2);
}
const flags = command.opts<Flags>();
if (!(LOG_LEVELS as readonly string[]).includes(flags.logLevel)) fail(`--log-level takes ${LOG_LEVELS.join(', ')}`);
const logger = createLogger({ level: flags.logLevel as LogLevel, destination: process.stderr });
const chromiumPath = findChromium(flags.chromium, process.env);
if (!chromiumPath) fail('no Chromium found: pass --chromium <path>, set PALYRA_CHROMIUM, or install chromium');

try {
  const running = await startBrowserd({
    grpcListen: parseHostPort(flags.grpcListen, '--grpc-listen'),
    healthListen: parseHostPort(flags.healthListen, '--health-listen'),
    token: readToken(flags),
    allowNoToken: flags.allowNoToken === true,
    chromiumPath,
    allowedHosts: (flags.allowPrivateHosts ?? '').split(',').map((host) => host.trim()).filter(Boolean),
    allowSessionPrivateTargets: flags.allowSessionPrivateTargets === true,
    downloadsDir: flags.downloadsDir ?? join(tmpdir(), `palyra-browserd-${newId()}`),
    limits: limitsFrom(flags),
    logger,
  });
  running.engine.onBrowserLost(() => {
    logger.fatal('Chromium exited; browserd stops so its supervisor can restart it');
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'palyra-browserd stopping');
    setTimeout(() => {
      logger.warn('close still running at its deadline; exiting');
      process.exit(0);
    }, STOP_DEADLINE_MS).unref();
    running.close().then(
      () => {
        logger.info('palyra-browserd stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ event: 'ready', grpc: running.grpc, health: running.health, chromium: running.chromium, version: running.version })}\n`);
} catch (error) {
  process.stderr.write(`palyra-browserd: ${isCoreError(error) ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
