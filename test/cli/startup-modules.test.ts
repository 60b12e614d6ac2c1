// What start-up loads: `palyra version` / `palyra status` and palyrad at start never import the heavy modules they do not need (structural, not timed).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

// Appends the URL of every module the process loads to $MODULE_LOG_FILE (module.registerHooks: Node 22.15+ and 24).
const HOOK = `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
const file = process.env.MODULE_LOG_FILE;
registerHooks({ load(url, context, nextLoad) { appendFileSync(file, url + '\\n'); return nextLoad(url, context); } });
// Node's own modules too (node:http's lazy undici, TLS), which no hook sees: named at exit.
process.on('exit', () => appendFileSync(file, process.moduleLoadList.map((name) => 'builtin:' + name).join('\\n') + '\\n'));
`;

// Names, at exit, the caller of every function compiled from a string (new Function: Ajv, TypeBox, protobufjs codegen) in $CODEGEN_LOG_FILE, and Node's own modules loaded in $BUILTINS_LOG_FILE.
const CODEGEN_HOOK = `import { appendFileSync } from 'node:fs';
const callers = [];
globalThis.Function = new Proxy(globalThis.Function, {
  construct(target, args, newTarget) { callers.push(caller()); return Reflect.construct(target, args, newTarget === globalThis.Function ? target : newTarget); },
  apply(target, self, args) { callers.push(caller()); return Reflect.apply(target, self, args); },
});
function caller() { return (new Error().stack ?? '').split('\\n')[3]?.trim().replace(/^at (new )?/, '').replace(/ \\(.*$/, '') ?? '?'; }
process.on('exit', () => {
  appendFileSync(process.env.CODEGEN_LOG_FILE, callers.join('\\n') + '\\n');
  appendFileSync(process.env.BUILTINS_LOG_FILE, process.moduleLoadList.join('\\n') + '\\n');
});
`;
// Fastify's router (find-my-way) compiles a small matcher per route and node, better-sqlite3 a row factory per
// pragma; the validators (Ajv for routes, TypeBox for tools, protobufjs for health/reflection) wait for first use.
const CODEGEN_AT_START = new Set(['HandlerStorage._compileGetHandlerMatchingConstraints', 'HandlerStorage._compileCreateParamsObject', 'compilePrefixMatch', 'rowFactory']);

// Each costs tens to hundreds of milliseconds to import (bench/cli-startup.ts, bench/daemon-startup.ts).
const CLI_NEVER = ['node_modules/@grpc/', 'node_modules/fastify/', 'node_modules/better-sqlite3/', 'node_modules/pino/', 'node_modules/typebox/', 'node_modules/protobufjs/', 'node_modules/ora/', 'node_modules/@matrixai/quic/'];
const DAEMON_NEVER = ['node_modules/playwright-core/', 'node_modules/pino-pretty/', 'node_modules/ora/', 'src/browser/', 'src/cli/commands/'];
const DAEMON_NOT_AT_START = [
  // Loaded on the first gRPC health or reflection call (src/transport/grpc/lazy-service.ts).
  'node_modules/grpc-health-check/',
  'node_modules/@grpc/reflection/',
  'node_modules/@grpc/proto-loader/',
  'node_modules/protobufjs/',
  // Ajv, required on a route's first validation (src/transport/http/lazy-validators.ts).
  'node_modules/@fastify/ajv-compiler/',
  'node_modules/ajv/',
  // @fastify/swagger's YAML output, which palyrad never asks for (patches/@fastify+swagger+*.patch).
  'node_modules/yaml/',
];

let dir: string;
let hookFile: string;
let daemon: TestDaemon;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palyra-modules-'));
  hookFile = join(dir, 'module-log-hook.mjs');
  writeFileSync(hookFile, HOOK);
  const daemonLog = join(dir, 'daemon-modules.log');
  daemon = await startDaemon({ env: { NODE_OPTIONS: `--import ${hookFile}`, MODULE_LOG_FILE: daemonLog } });
});
after(async () => {
  await daemon.stop();
  removeStateDir(daemon.stateDir);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The loaded module URLs, each bundle file (dist/bin) followed by the source files it holds (from the
 * build's dist/bin/bundle-meta.json), so a bundled package or command counts as loaded when its chunk is.
 */
function withBundledInputs(urls: readonly string[]): string[] {
  const holds = JSON.parse(readFileSync('dist/bin/bundle-meta.json', 'utf8')) as Record<string, string[]>;
  const root = pathToFileURL(process.cwd()).href;
  return urls.flatMap((url) => [url, ...(holds[url.startsWith(`${root}/`) ? url.slice(root.length + 1) : ''] ?? []).map((input) => `${root}/${input}`)]);
}

/** Runs `palyra args…` with the hook and returns the URLs of the modules it loaded. */
async function cliModules(name: string, args: readonly string[]): Promise<string[]> {
  const log = join(dir, `${name}.log`);
  const result = await runCli(args, { env: { NODE_OPTIONS: `--import ${hookFile}`, MODULE_LOG_FILE: log } });
  assert.equal(result.code, 0, result.stderr);
  return withBundledInputs(readFileSync(log, 'utf8').trim().split('\n'));
}

function assertNoneLoaded(modules: readonly string[], never: readonly string[]): void {
  const loaded = never.filter((fragment) => modules.some((url) => url.includes(fragment)));
  assert.deepEqual(loaded, [], `loaded at start-up: ${loaded.join(', ')}`);
}

describe('start-up imports', () => {
  test('palyra version → loads its command and commander only, none of the daemon, gRPC, QUIC or logging stacks', async () => {
    const modules = await cliModules('version', ['version']);
    assert.ok(modules.some((url) => url.endsWith('/src/cli/commands/version.ts')));
    assertNoneLoaded(modules, CLI_NEVER);
  });

  test('palyra status against a running daemon → answers over HTTP without loading the gRPC, QUIC, server or logging stacks', async () => {
    const modules = await cliModules('status', ['--url', daemon.ready.http, '--state-dir', daemon.stateDir, 'status']);
    assert.ok(modules.some((url) => url.endsWith('/src/cli/commands/status.ts')));
    assertNoneLoaded(modules, CLI_NEVER);
    // A plain-HTTP daemon needs neither undici (fetch) nor TLS; each costs ~15 ms of a ~130 ms command.
    assert.ok(modules.includes('builtin:NativeModule http'), 'the hook saw the built-in modules');
    assertNoneLoaded(modules, ['builtin:NativeModule internal/deps/undici/undici', 'builtin:NativeModule tls', 'builtin:NativeModule https']);
  });

  test('palyrad started with the browser service off → never loads the browser engine, Playwright, pretty logging or the CLI commands', () => {
    const modules = withBundledInputs(readFileSync(join(dir, 'daemon-modules.log'), 'utf8').trim().split('\n'));
    assert.ok(modules.some((url) => url.endsWith('/src/daemon.ts')));
    assertNoneLoaded(modules, DAEMON_NEVER);
  });

  test('palyrad at start → loads neither the gRPC health and reflection libraries, the .proto parser behind them, nor a YAML writer', () => {
    const modules = withBundledInputs(readFileSync(join(dir, 'daemon-modules.log'), 'utf8').trim().split('\n'));
    assertNoneLoaded(modules, DAEMON_NOT_AT_START);
  });
});

describe('compile cache', () => {
  test('palyrad started and stopped → has left V8 code cache under $XDG_CACHE_HOME/palyra/compile-cache for the next start', async () => {
    const cacheHome = mkdtempSync(join(tmpdir(), 'palyra-cache-'));
    try {
      const started = await startDaemon({ env: { XDG_CACHE_HOME: cacheHome } });
      await started.stop();
      removeStateDir(started.stateDir);
      const cacheDir = join(cacheHome, 'palyra', 'compile-cache');
      // One directory per Node/V8 version, holding a file per compiled module.
      const entries = readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      assert.ok(entries.length > 0, `no cache files in ${cacheDir}`);
    } finally {
      rmSync(cacheHome, { recursive: true, force: true });
    }
  });
});

describe('palyrad started and stopped at once', () => {
  let hookDir: string;
  before(async () => {
    hookDir = mkdtempSync(join(tmpdir(), 'palyra-codegen-'));
    const hook = join(hookDir, 'codegen-hook.mjs');
    writeFileSync(hook, CODEGEN_HOOK);
    const started = await startDaemon({ env: { NODE_OPTIONS: `--import ${hook}`, CODEGEN_LOG_FILE: join(hookDir, 'codegen.log'), BUILTINS_LOG_FILE: join(hookDir, 'builtins.log') } });
    await started.stop();
    removeStateDir(started.stateDir);
  });
  after(() => rmSync(hookDir, { recursive: true, force: true }));

  test('compiles no validator from strings (Ajv, TypeBox, protobufjs); only the router and SQLite generate code', () => {
    const callers = readFileSync(join(hookDir, 'codegen.log'), 'utf8').trim().split('\n').filter(Boolean);
    assert.ok(callers.length > 0, 'the hook saw the router compile its matchers');
    assert.deepEqual([...new Set(callers.filter((name) => !CODEGEN_AT_START.has(name)))], []);
  });

  test('never loads undici (node:http is required, not imported: its ES facade reads the getter that loads it)', () => {
    const builtins = readFileSync(join(hookDir, 'builtins.log'), 'utf8').trim().split('\n');
    assert.ok(builtins.includes('NativeModule http'), 'the hook saw the built-in modules');
    assert.ok(!builtins.includes('NativeModule internal/deps/undici/undici'), 'undici loaded');
  });
});
