// loadConfig: precedence file < env < flags, error messages naming key/value/source/allowed, unknown keys, remote binds, redaction.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import { loadConfig, type LoadConfigInput } from '../../src/infra/config/load-config.js';
import { redactConfig } from '../../src/infra/config/redact-config.js';
import { isLoopbackHost } from '../../src/core/host-names.js';

const TOKEN = 'k'.repeat(40);
let dir: string;
let caseNumber = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'palyra-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh working directory, with `./palyra.toml` holding `toml` when given. */
function workdir(toml?: string): string {
  caseNumber += 1;
  const cwd = join(dir, `case-${caseNumber}`);
  mkdirSync(cwd);
  if (toml !== undefined) writeFileSync(join(cwd, 'palyra.toml'), toml);
  return cwd;
}

function configError(input: LoadConfigInput): CoreError {
  try {
    loadConfig(input);
  } catch (error) {
    assert.ok(error instanceof CoreError, `expected a CoreError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_argument');
    return error;
  }
  assert.fail('loadConfig did not throw');
}

describe('loadConfig sources', () => {
  test('nothing configured → documented defaults, state dir resolved against cwd', () => {
    const cwd = workdir();
    const config = loadConfig({ cwd, env: {}, flags: {} });
    assert.equal(config.stateDir, join(cwd, '.palyra'));
    assert.deepEqual(config.http, { host: '127.0.0.1', port: 7142, bodyLimitBytes: 65536, rateLimitPerSecond: 120, trustedProxies: [], allowedOrigins: [], allowedHosts: [], requestTimeoutMs: 30000, idleTimeoutMs: 120000 });
    assert.deepEqual(config.grpc, { host: '127.0.0.1', port: 7443 });
    assert.deepEqual(config.quic, { host: '127.0.0.1', port: 7444 });
    assert.deepEqual(config.tls, { clientAuth: 'optional' });
    assert.equal(config.auth.adminToken, undefined);
    assert.deepEqual(config.model, { provider: 'builtin', apiKeyEnv: 'PALYRA_MODEL_API_KEY', timeoutMs: 60000, tokenDelayMs: 0 });
    assert.deepEqual(config.runs, { maxTurns: 8, maxToolCalls: 16, wallClockMs: 120000, maxConcurrentPerPrincipal: 16 });
    assert.deepEqual(config.approvals, { timeoutMs: 60000 });
    assert.deepEqual(config.tools, {
      allow: [],
      deny: [],
      httpAllowPrivate: false,
      httpAllowedHosts: [],
      httpMaxBytes: 1048576,
      processAllowedCommands: [],
    });
    assert.deepEqual(config.journal, { maxPayloadBytes: 262144 });
    assert.equal(config.log.level, 'info');
  });

  test('same key in file, env and flag → flag wins over env, env over file', () => {
    const cwd = workdir('[http]\nport = 1001\n[grpc]\nport = 2001\n[quic]\nport = 3001\n[log]\nlevel = "warn"\n');
    const config = loadConfig({
      cwd,
      env: { PALYRA_GRPC_PORT: '2002', PALYRA_QUIC_PORT: '3002' },
      flags: { quicPort: '0' },
    });
    assert.equal(config.http.port, 1001);
    assert.equal(config.grpc.port, 2002);
    assert.equal(config.quic.port, 0);
    assert.equal(config.log.level, 'warn');
  });

  test('--host → sets the host of all three listeners', () => {
    const config = loadConfig({ cwd: workdir(), env: { PALYRA_HTTP_HOST: '127.0.0.2' }, flags: { host: '127.0.0.3' } });
    assert.deepEqual([config.http.host, config.grpc.host, config.quic.host], ['127.0.0.3', '127.0.0.3', '127.0.0.3']);
  });

  test('quic.host on every interface without quic.advertise → refused, naming quic.advertise; a loopback bind may advertise another address', () => {
    const error = configError({ cwd: workdir('[tls]\ncert_path = "/c.pem"\nkey_path = "/k.pem"\n'), env: { PALYRA_QUIC_HOST: '0.0.0.0', PALYRA_ADMIN_TOKEN: TOKEN } });
    assert.match(error.message, /quic\.host = "0\.0\.0\.0" \(from PALYRA_QUIC_HOST\) listens on every interface/);
    assert.match(String(error.details.hint), /set quic\.advertise \(PALYRA_QUIC_ADVERTISE\)/);
    const config = loadConfig({ cwd: workdir('[quic]\nadvertise = "nodes.example.test:7444"\n') });
    assert.equal(config.quic.advertise, 'nodes.example.test:7444');
    assert.match(configError({ cwd: workdir(), env: { PALYRA_QUIC_ADVERTISE: 'not a host' } }).message, /quic\.advertise/);
  });

  test('node_rpc heartbeat or keep-alive not below the idle timeout → refused naming both keys; keep_alive_ms 0 (the default) → no daemon keep-alive', () => {
    assert.equal(loadConfig({ cwd: workdir() }).nodeRpc.keepAliveMs, 0);
    const heartbeat = configError({ cwd: workdir('[node_rpc]\nheartbeat_interval_ms = 30000\n') });
    assert.match(heartbeat.message, /node_rpc\.heartbeat_interval_ms = 30000 \(from .*palyra\.toml\) is not below node_rpc\.idle_timeout_ms = 30000 \(from default\)/);
    assert.match(String(heartbeat.details.hint), /below node_rpc\.idle_timeout_ms/);
    const keepAlive = configError({ cwd: workdir(), env: { PALYRA_NODE_RPC_KEEP_ALIVE_MS: '40000', PALYRA_NODE_RPC_IDLE_TIMEOUT_MS: '20000', PALYRA_NODE_RPC_HEARTBEAT_INTERVAL_MS: '10000' } });
    assert.match(keepAlive.message, /node_rpc\.keep_alive_ms = 40000 \(from PALYRA_NODE_RPC_KEEP_ALIVE_MS\) is not below node_rpc\.idle_timeout_ms = 20000 \(from PALYRA_NODE_RPC_IDLE_TIMEOUT_MS\)/);
    assert.equal(loadConfig({ cwd: workdir(), env: { PALYRA_NODE_RPC_KEEP_ALIVE_MS: '10000' } }).nodeRpc.keepAliveMs, 10_000);
  });

  test('PALYRA_* variables → coerced to numbers, booleans and comma lists', () => {
    const config = loadConfig({
      cwd: workdir(),
      env: {
        PALYRA_RUNS_MAX_TURNS: '3',
        PALYRA_TOOLS_HTTP_ALLOW_PRIVATE: 'true',
        PALYRA_TOOLS_ALLOW: 'echo, http_fetch ,',
        PALYRA_TOOLS_DENY: '',
        PALYRA_MODEL_PROVIDER: 'openai',
        PALYRA_MODEL_BASE_URL: 'http://127.0.0.1:9/v1',
        PALYRA_MODEL: 'gpt-test',
        PALYRA_ADMIN_TOKEN: TOKEN,
        PALYRA_LOG_LEVEL: 'debug',
        PALYRA_HTTP_PORT: '',
      },
    });
    assert.equal(config.runs.maxTurns, 3);
    assert.equal(config.tools.httpAllowPrivate, true);
    assert.deepEqual(config.tools.allow, ['echo', 'http_fetch']);
    assert.deepEqual(config.tools.deny, []);
    assert.deepEqual(config.model, {
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'gpt-test',
      apiKeyEnv: 'PALYRA_MODEL_API_KEY',
      timeoutMs: 60000,
      tokenDelayMs: 0,
    });
    assert.equal(config.auth.adminToken, TOKEN);
    assert.equal(config.log.level, 'debug');
    assert.equal(config.http.port, 7142, 'an empty scalar variable counts as unset');
  });

  test('<state_dir>/palyra.toml and ./palyra.toml both exist → the state dir one is read', () => {
    const cwd = workdir('[http]\nport = 1111\n');
    const stateDir = join(cwd, 'state');
    mkdirSync(stateDir);
    writeFileSync(join(stateDir, 'palyra.toml'), '[http]\nport = 2222\n');
    assert.equal(loadConfig({ cwd, env: { PALYRA_STATE_DIR: stateDir } }).http.port, 2222);
    assert.equal(loadConfig({ cwd }).http.port, 1111);
  });

  test('--config PATH → that file is read; relative paths in it resolve against its directory', () => {
    const cwd = workdir('[http]\nport = 1111\n');
    const etc = join(cwd, 'etc');
    mkdirSync(etc);
    writeFileSync(join(etc, 'custom.toml'), 'state_dir = "data"\n[http]\nport = 3333\n[tls]\ncert_path = "c.pem"\nkey_path = "/k.pem"\n');
    const config = loadConfig({ cwd, flags: { config: 'etc/custom.toml' } });
    assert.equal(config.http.port, 3333);
    assert.equal(config.stateDir, join(etc, 'data'));
    assert.deepEqual(config.tls, { certPath: join(etc, 'c.pem'), keyPath: '/k.pem', clientAuth: 'optional' });
  });

  test('--config naming a missing file → error naming the path and the flag', () => {
    const cwd = workdir();
    const error = configError({ cwd, flags: { config: 'missing.toml' } });
    assert.match(error.message, /cannot read config file .*missing\.toml \(from --config\): ENOENT/);
  });
});

describe('loadConfig invalid values', () => {
  const cases: { name: string; toml?: string; env?: Record<string, string>; flags?: LoadConfigInput['flags']; expected: string }[] = [
    {
      name: 'PALYRA_HTTP_PORT=abc',
      env: { PALYRA_HTTP_PORT: 'abc' },
      expected: 'invalid config: http.port = "abc" (from PALYRA_HTTP_PORT): expected an integer 0..65535',
    },
    {
      name: '--grpc-port 70000',
      flags: { grpcPort: '70000' },
      expected: 'invalid config: grpc.port = 70000 (from --grpc-port): expected an integer 0..65535',
    },
    {
      name: '--log-level loud',
      flags: { logLevel: 'loud' },
      expected: 'invalid config: log.level = "loud" (from --log-level): expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
    },
    {
      name: 'model.provider in TOML not a known provider',
      toml: '[model]\nprovider = "gpt"\n',
      expected: 'model.provider = "gpt" (from FILE): expected one of "builtin", "openai"',
    },
    {
      name: 'runs.max_turns = 0 in TOML',
      toml: '[runs]\nmax_turns = 0\n',
      expected: 'runs.max_turns = 0 (from FILE): expected an integer >= 1',
    },
    {
      name: 'http.port as a TOML string',
      toml: '[http]\nport = "7142"\n',
      expected: 'http.port = "7142" (from FILE): expected an integer 0..65535',
    },
    {
      name: 'tools.allow as a string instead of a list',
      toml: '[tools]\nallow = "echo"\n',
      expected: 'tools.allow = "echo" (from FILE): expected a list of non-empty strings',
    },
    {
      name: 'PALYRA_TOOLS_HTTP_ALLOW_PRIVATE=maybe',
      env: { PALYRA_TOOLS_HTTP_ALLOW_PRIVATE: 'maybe' },
      expected: 'tools.http_allow_private = "maybe" (from PALYRA_TOOLS_HTTP_ALLOW_PRIVATE): expected true or false',
    },
    {
      name: 'http.allowed_hosts with a URL instead of a host name',
      toml: '[http]\nallowed_hosts = ["https://palyra.example"]\n',
      expected: 'http.allowed_hosts = ["https://palyra.example"] (from FILE): expected a list of host names or IP addresses without port ([IPv6] in brackets)',
    },
    {
      name: 'PALYRA_MODEL_BASE_URL not http(s)',
      env: { PALYRA_MODEL_BASE_URL: 'ftp://models' },
      expected: 'model.base_url = "ftp://models" (from PALYRA_MODEL_BASE_URL): expected an http:// or https:// URL',
    },
  ];
  for (const row of cases) {
    test(`${row.name} → message names key, value, source and what is allowed`, () => {
      const cwd = workdir(row.toml);
      const error = configError({ cwd, env: row.env ?? {}, flags: row.flags ?? {} });
      assert.ok(error.message.includes(row.expected.replace('FILE', join(cwd, 'palyra.toml'))), error.message);
      assert.equal(typeof error.details.hint, 'string');
    });
  }

  test('short admin token → error gives its length, never the token itself', () => {
    const error = configError({ cwd: workdir(), env: { PALYRA_ADMIN_TOKEN: 'hunter2' } });
    assert.ok(
      error.message.includes(
        'auth.admin_token = <redacted, 7 characters> (from PALYRA_ADMIN_TOKEN): expected a string of at least 32 characters',
      ),
      error.message,
    );
    assert.ok(!error.message.includes('hunter2'));
  });

  test('several bad values → one error with one line per key', () => {
    const error = configError({ cwd: workdir(), env: { PALYRA_HTTP_PORT: 'x', PALYRA_QUIC_PORT: '-1' } });
    const lines = error.message.split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines.every((line) => line.startsWith('invalid config: ')));
    assert.deepEqual(
      error.details.validationErrors?.map((issue) => issue.path),
      ['http.port', 'quic.port'],
    );
  });

  test('unknown key in a section → error naming the key, the file and the allowed keys', () => {
    const cwd = workdir('[http]\nprot = 7000\n');
    const error = configError({ cwd });
    assert.ok(error.message.includes(`unknown key "http.prot" in ${join(cwd, 'palyra.toml')}`), error.message);
    assert.ok(error.message.includes('http.host, http.port'));
  });

  test('unknown section → error naming it and listing the known top-level names', () => {
    const error = configError({ cwd: workdir('[htttp]\nport = 1\n') });
    assert.match(error.message, /unknown key "htttp" .*allowed here: state_dir, http, grpc, quic, tls, auth, model/);
  });

  test('a section given as a value → error asking for a table', () => {
    const error = configError({ cwd: workdir('http = 7142\n') });
    assert.match(error.message, /http = 7142 \(from .*\): expected a table \[http\]/);
  });

  test('TOML syntax error → error naming the file and the line', () => {
    const cwd = workdir('[http]\nport = = 1\n');
    const error = configError({ cwd });
    assert.match(error.message, /palyra\.toml is not valid TOML at line 2/);
  });
});

describe('loadConfig remote binds', () => {
  test('--host 0.0.0.0 without TLS or admin token → refused, saying what is missing and how to fix it', () => {
    const error = configError({ cwd: workdir(), flags: { host: '0.0.0.0' } });
    assert.ok(error.message.includes('refusing to bind http.host = "0.0.0.0" (from --host)'), error.message);
    for (const fragment of ['missing: tls.cert_path, tls.key_path, an admin token', 'PALYRA_ADMIN_TOKEN', 'bind to 127.0.0.1']) {
      assert.ok(error.message.includes(fragment), fragment);
    }
  });

  test('non-loopback gRPC host with TLS but no admin token → refused naming the admin token only', () => {
    const env = { PALYRA_GRPC_HOST: '192.0.2.10', PALYRA_TLS_CERT_PATH: '/c.pem', PALYRA_TLS_KEY_PATH: '/k.pem' };
    const error = configError({ cwd: workdir(), env });
    assert.match(error.message, /refusing to bind grpc\.host = "192\.0\.2\.10" \(from PALYRA_GRPC_HOST\).*missing: an admin token\)/);
  });

  test('non-loopback host with TLS, an admin token and the address nodes dial → accepted', () => {
    const env = { PALYRA_TLS_CERT_PATH: '/c.pem', PALYRA_TLS_KEY_PATH: '/k.pem', PALYRA_ADMIN_TOKEN: TOKEN, PALYRA_QUIC_ADVERTISE: 'palyra.example.test' };
    const config = loadConfig({ cwd: workdir(), env, flags: { host: '0.0.0.0' } });
    assert.equal(config.http.host, '0.0.0.0');
    assert.equal(config.quic.advertise, 'palyra.example.test');
  });

  test('tls.cert_path without tls.key_path → error asking for both', () => {
    const error = configError({ cwd: workdir(), env: { PALYRA_TLS_CERT_PATH: '/c.pem' } });
    assert.match(error.message, /tls\.cert_path is set \(from PALYRA_TLS_CERT_PATH\) but tls\.key_path is not/);
  });

  test('tls.client_auth = "required" with a client CA → loaded; without tls.client_ca_path → error naming both keys', () => {
    const tls = '[tls]\ncert_path = "/c.pem"\nkey_path = "/k.pem"\nclient_auth = "required"\n';
    assert.equal(loadConfig({ cwd: workdir(`${tls}client_ca_path = "/ca.pem"\n`) }).tls.clientAuth, 'required');
    const error = configError({ cwd: workdir(tls) });
    assert.match(error.message, /tls\.client_auth = "required" \(from .*palyra\.toml\) but tls\.client_ca_path is not set/);
  });

  test('tls.client_auth with any other value → error listing "optional" and "required"', () => {
    const error = configError({ cwd: workdir(), env: { PALYRA_TLS_CLIENT_AUTH: 'sometimes' } });
    assert.match(error.message, /tls\.client_auth/);
    assert.match(error.message, /optional.*required/);
  });

  const loopback = ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'];
  const remote = ['0.0.0.0', '::', '10.0.0.1', '192.0.2.1', 'example.com', '::ffff:10.0.0.1', '128.0.0.1'];
  for (const host of loopback) test(`isLoopbackHost(${host}) → true`, () => assert.equal(isLoopbackHost(host), true));
  for (const host of remote) test(`isLoopbackHost(${host}) → false`, () => assert.equal(isLoopbackHost(host), false));
});

describe('redactConfig', () => {
  test('config with an admin token → token shown as <redacted>, the rest unchanged, input untouched', () => {
    const config = loadConfig({ cwd: workdir(), env: { PALYRA_ADMIN_TOKEN: TOKEN } });
    const redacted = redactConfig(config);
    assert.equal(redacted.auth.adminToken, '<redacted>');
    assert.ok(!JSON.stringify(redacted).includes(TOKEN));
    assert.deepEqual({ ...redacted, auth: config.auth }, config);
    assert.equal(config.auth.adminToken, TOKEN);
  });

  test('config without an admin token → no token key invented', () => {
    const redacted = redactConfig(loadConfig({ cwd: workdir() }));
    assert.deepEqual(redacted.auth, {});
  });
});
