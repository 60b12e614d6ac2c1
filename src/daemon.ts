// startDaemon: config → state dir → store → core → transports; close() shuts down in reverse order, each step under a deadline.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createCore } from './core/index.js';
import { isLoopbackHost, isWildcardHost } from './core/host-names.js';
import type { ModelProvider } from './core/models/model-provider.js';
import { createBuiltinTools } from './core/tools/builtin/index.js';
import type { PalyraConfig } from './infra/config/schema.js';
import { loadOrCreateCanvasKey } from './infra/crypto/canvas-key.js';
import { loadOrCreateDaemonCa } from './infra/crypto/daemon-ca.js';
import { ServerCertificateSource } from './infra/crypto/server-certificate.js';
import { componentLogger } from './infra/log.js';
import { runShutdownSteps, type ShutdownStep } from './infra/shutdown.js';
import { createBuiltinModel } from './infra/models/builtin-model.js';
import { createOpenAiChatModel } from './infra/models/openai-chat.js';
import { packagePath } from './infra/package-root.js';
import { PACKAGE_VERSION } from './infra/package-version.js';
import { loadOrCreateAdminToken, prepareStateDir } from './infra/state-dir.js';
import { createBrowserRuntime } from './infra/browser/browser-runtime.js';
import { createArtifactStore } from './infra/store/artifact-store.js';
import { cacheDeviceStore } from './infra/store/cached-stores.js';
import { createDeviceStore } from './infra/store/device-store.js';
import { DB_FILE_NAME, openDb } from './infra/store/db.js';
import { createSqliteStores } from './infra/store/sqlite-stores.js';
import { createNodeTaskStore } from './infra/store/node-store.js';
import { bindListener, LISTENERS } from './infra/listen-errors.js';
import { WriteBatcher } from './infra/store/write-batcher.js';
import { createGrpcServer } from './transport/grpc/server.js';
import { createHttpServer } from './transport/http/server.js';
import { startNodeRpcServer } from './transport/quic/server.js';

export interface StartDaemonOptions {
  config: PalyraConfig;
  logger: Logger;
  /** Written (atomically) once every listener is bound: `{ http, grpc, quic, pid }`. */
  readyFile?: string;
  /** Where the start-up banner goes; stderr by default so stdout stays JSON logs. */
  banner?: (text: string) => void;
}

export interface ReadyInfo {
  http: string;
  grpc: string;
  quic: string | null;
  pid: number;
  state_dir: string;
}

export interface RunningDaemon {
  ready: ReadyInfo;
  close(reason?: string): Promise<void>;
}

/** Starts palyrad; anything that fails half-way is closed again before the error propagates. */
export async function startDaemon(options: StartDaemonOptions): Promise<RunningDaemon> {
  const { config, logger } = options;
  const startedAtMs = Date.now();
  const cleanups: ShutdownStep[] = [];
  const closeAll = () => runShutdownSteps(cleanups.splice(0).reverse(), logger);
  try {
    const lock = prepareStateDir(config.stateDir);
    cleanups.push({ name: 'state-dir lock', run: () => lock.release() });
    const adminToken = loadOrCreateAdminToken(config.stateDir, config.auth.adminToken);
    if (adminToken.warning) logger.warn(adminToken.warning);

    const db = openDb(join(config.stateDir, DB_FILE_NAME));
    cleanups.push({
      name: 'database',
      run: () => {
        db.close();
      },
    });
    const batcher = new WriteBatcher(db);
    cleanups.push({ name: 'write batcher', run: () => batcher.close() });

    // Node RPC: the daemon CA (created once under <state>/ca), device and task stores. The QUIC listener
    // issues its server certificate from `ca` and sets the advertised address once it is bound.
    const ca = await loadOrCreateDaemonCa(config.stateDir);
    const deviceStore = cacheDeviceStore(createDeviceStore(db), batcher);
    // Runs after the listeners closed (their last disconnections touch last-seen), before the batcher closes.
    cleanups.push({ name: 'device last-seen', run: () => deviceStore.flushSeen() });
    const nodeRpc = {
      ca,
      stores: { devices: deviceStore, tasks: createNodeTaskStore(db, batcher) },
      pairing: { advertisedAddress: advertisedAddress(config.quic, config.quic.port) },
      devices: { heartbeatIntervalMs: config.nodeRpc.heartbeatIntervalMs },
    };

    // The browser service starts in the background: the daemon is ready without it, and status shows its state.
    const browser = createBrowserRuntime(config, componentLogger(logger, 'browser'));
    cleanups.push({ name: 'browser service', run: () => browser.stop() });
    browser.start();

    const core = createCore({
      stores: createSqliteStores(db, batcher),
      model: createModel(config),
      tools: createBuiltinTools({
        httpFetch: { allowPrivateNetworks: config.tools.httpAllowPrivate, allowedHosts: config.tools.httpAllowedHosts, maxBytes: config.tools.httpMaxBytes },
        process: { allowedCommands: config.tools.processAllowedCommands },
      }),
      toolPolicy: { allow: config.tools.allow, deny: config.tools.deny },
      limits: config.runs,
      approvalTimeoutMs: config.approvals.timeoutMs,
      journalMaxPayloadBytes: config.journal.maxPayloadBytes,
      adminToken: adminToken.token,
      canvas: { keys: loadOrCreateCanvasKey(config.stateDir), limits: config.canvas, tokenTtlMs: config.canvas.tokenTtlMs },
      nodeRpc,
      browser: { port: browser, artifacts: createArtifactStore(db) },
    });
    cleanups.push({ name: 'core', run: () => core.shutdown() });
    const recovered = await core.recover();
    if (recovered.runs > 0 || recovered.approvals > 0 || recovered.nodeTasks > 0) logger.warn(recovered, 'marked work left unfinished by a previous daemon as failed (daemon_restarted)');

    let ready = false;
    const listeners: Record<string, string | null> = { http: null, grpc: null, quic: null };
    const info = { version: PACKAGE_VERSION, startedAtMs, listeners: () => ({ ...listeners }), isReady: () => ready };

    const grpc = createGrpcServer({ core, info, logger: componentLogger(logger, 'grpc'), tls: config.tls });
    const grpcPort = await bindListener(LISTENERS.grpc, config.grpc.host, config.grpc.port, () => grpc.listen(config.grpc.host, config.grpc.port));
    cleanups.push({ name: 'grpc', run: () => grpc.close() });
    listeners.grpc = hostPort(config.grpc.host, grpcPort);

    const httpTls = config.tls.certPath && config.tls.keyPath ? { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) } : undefined;
    const http = await createHttpServer({
      core,
      logger: componentLogger(logger, 'http'),
      info,
      bodyLimitBytes: config.http.bodyLimitBytes,
      rateLimitPerSecond: config.http.rateLimitPerSecond,
      timeouts: { requestTimeoutMs: config.http.requestTimeoutMs, idleTimeoutMs: config.http.idleTimeoutMs },
      trustedProxies: config.http.trustedProxies,
      allowedOrigins: config.http.allowedOrigins,
      allowedHosts: servedHosts(config.http),
      ...(httpTls ? { tls: httpTls } : {}),
      // Built by `npm run build` (dist/web, dist/canvas-runtime).
      webRoot: packagePath('dist', 'web'),
      canvasRuntimeRoot: packagePath('dist', 'canvas-runtime'),
    });
    // Closed before the core shuts down, so no request reaches a core that is going away.
    cleanups.push({ name: 'http', run: () => http.close() });

    // Node RPC over QUIC (and its TLS-over-TCP fallback on the same port number): the server certificate
    // comes from the daemon CA and is renewed on a timer without a restart.
    const { devices, pairing, nodes } = core;
    if (devices && pairing && nodes) {
      const quicLogger = componentLogger(logger, 'quic');
      const certificates = await ServerCertificateSource.create(ca, {
        hosts: [config.quic.host],
        onError: (error) => quicLogger.error({ err: error }, 'server certificate renewal failed'),
      });
      cleanups.push({ name: 'server certificates', run: () => certificates.close() });
      const nodeRpcServer = await bindListener(LISTENERS.quic, config.quic.host, config.quic.port, () =>
        startNodeRpcServer({ core: { devices, pairing, nodes }, certificates, caPem: ca.certificatePem, host: config.quic.host, port: config.quic.port, logger: quicLogger, ...config.nodeRpc }),
      );
      // Closed before the core shuts down, like the other listeners.
      cleanups.push({ name: 'node rpc', run: () => nodeRpcServer.close() });
      listeners.quic = hostPort(config.quic.host, nodeRpcServer.port);
      pairing.setAdvertisedAddress(advertisedAddress(config.quic, nodeRpcServer.port));
    }

    // The admin port listens last: its /healthz answers 200 only once gRPC and QUIC accept calls too.
    await bindListener(LISTENERS.http, config.http.host, config.http.port, () => http.listen({ host: config.http.host, port: config.http.port }));
    const httpAddress = http.server.address();
    const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.http.port;
    listeners.http = `${httpTls ? 'https' : 'http'}://${hostPort(config.http.host, httpPort)}`;

    const readyInfo: ReadyInfo = { http: listeners.http, grpc: listeners.grpc, quic: listeners.quic ?? null, pid: process.pid, state_dir: config.stateDir };
    ready = true;
    logger.info({ ...readyInfo, model: core.runs.modelName }, 'palyrad ready');
    (options.banner ?? ((text) => process.stderr.write(text)))(banner(readyInfo, adminToken));
    // Written last: whoever waits for the ready file has the banner and the ready log line already.
    if (options.readyFile) {
      writeReadyFile(options.readyFile, readyInfo);
      const readyFile = options.readyFile;
      cleanups.push({ name: 'ready file', run: () => rmSync(readyFile, { force: true }) });
    }

    let closing: Promise<void> | undefined;
    return {
      ready: readyInfo,
      close(reason = 'shutdown') {
        closing ??= (async () => {
          logger.info({ reason }, 'palyrad stopping');
          ready = false;
          await closeAll();
          logger.info('palyrad stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function createModel(config: PalyraConfig): ModelProvider {
  if (config.model.provider === 'builtin') return createBuiltinModel({ tokenDelayMs: config.model.tokenDelayMs });
  return createOpenAiChatModel({
    baseUrl: config.model.baseUrl ?? 'https://api.openai.com/v1',
    model: config.model.model ?? 'gpt-4o-mini',
    apiKey: process.env[config.model.apiKeyEnv] ?? '',
    timeoutMs: config.model.timeoutMs,
  });
}

/** What join strings tell nodes to dial: `quic.advertise` (its port, or the bound one), else the bind address. */
function advertisedAddress(quic: PalyraConfig['quic'], boundPort: number): string {
  if (quic.advertise === undefined) return hostPort(quic.host, boundPort);
  return /(^[^:[\]]+|\]):\d+$/.test(quic.advertise) ? quic.advertise : hostPort(quic.advertise.replace(/^\[(.*)\]$/, '$1'), boundPort);
}

/**
 * The Host names the admin port answers to besides the loopback ones: `http.allowed_hosts` and the bind
 * address itself. A loopback bind always checks (DNS rebinding); another bind only once names are configured.
 */
function servedHosts(http: PalyraConfig['http']): readonly string[] | 'any' {
  if (!isLoopbackHost(http.host) && http.allowedHosts.length === 0) return 'any';
  return isWildcardHost(http.host) ? http.allowedHosts : [...http.allowedHosts, http.host];
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function writeReadyFile(path: string, info: ReadyInfo): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

function banner(info: ReadyInfo, token: { created: boolean; source: string; path: string | null; token: string }): string {
  const lines = [`palyrad ${PACKAGE_VERSION} is ready`, `  console:  ${info.http}/`, `  gRPC:     ${info.grpc}`];
  if (token.created) {
    lines.push(`  admin token (shown once, also saved to ${token.path}):`, `    ${token.token}`);
  } else if (token.path) {
    lines.push(`  admin token: in ${token.path}`);
  } else {
    lines.push('  admin token: from PALYRA_ADMIN_TOKEN / the config file');
  }
  return `${lines.join('\n')}\n`;
}
