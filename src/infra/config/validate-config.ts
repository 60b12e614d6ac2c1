// Checks a merged config against the schema and the remote-bind rule, naming each bad key, value and source.
import { Value } from 'typebox/value';
import type { ValidationIssue } from '../../core/errors.js';
import { isLoopbackHost, isWildcardHost } from '../../core/host-names.js';
import { CONFIG_KEYS, describeAllowed, type ConfigKey } from './config-keys.js';
import { configError, formatValue } from './config-error.js';
import { ADMIN_TOKEN_MIN_LENGTH, PalyraConfigSchema, type PalyraConfig } from './schema.js';

/** Where each key's effective value came from (`default`, a file, a variable or a flag), by TOML name. */
export type ConfigOrigins = ReadonlyMap<string, string>;

const SECRET_TOML_NAMES = new Set(['auth.admin_token']);

function valueAt(config: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, name) => (node as Record<string, unknown> | undefined)?.[name], config);
}

function describeValue(key: ConfigKey, value: unknown): string {
  if (SECRET_TOML_NAMES.has(key.tomlName) && typeof value === 'string') {
    return `<redacted, ${value.length} characters>`;
  }
  return formatValue(value);
}

/** Throws one `invalid config` CoreError listing every key whose value the schema refuses. */
export function assertMatchesSchema(config: unknown, origins: ConfigOrigins): asserts config is PalyraConfig {
  const problems: string[] = [];
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(PalyraConfigSchema, config)) {
    if (seen.has(error.instancePath)) continue;
    seen.add(error.instancePath);
    const path = error.instancePath.split('/').slice(1);
    const key = CONFIG_KEYS.find(
      (candidate) => candidate.path.join('/') === path.join('/') || candidate.path.join('/') === path.slice(0, -1).join('/'),
    );
    if (!key) {
      problems.push(`${error.instancePath || '/'}: ${error.message}`);
      continue;
    }
    const value = valueAt(config, key.path);
    const problem = `${key.tomlName} = ${describeValue(key, value)} (from ${origins.get(key.tomlName) ?? 'default'}): expected ${describeAllowed(key.schema)}`;
    problems.push(problem);
    issues.push({ path: key.tomlName, message: problem });
  }
  if (problems.length > 0) throw configError(problems, undefined, issues);
}

/** A QUIC bind on every interface needs `quic.advertise`: join strings must name an address nodes can dial. */
export function assertDialableQuic(config: PalyraConfig, origins: ConfigOrigins): void {
  if (!isWildcardHost(config.quic.host) || config.quic.advertise !== undefined) return;
  throw configError(
    [`quic.host = ${formatValue(config.quic.host)} (from ${origins.get('quic.host') ?? 'default'}) listens on every interface, which is no address a node can dial`],
    'set quic.advertise (PALYRA_QUIC_ADVERTISE) to the host or host:port nodes reach the daemon at; it goes into pairing join strings',
  );
}

/**
 * A node's traffic must come more often than the idle timeout, or live nodes would be dropped: the
 * heartbeat interval, and the daemon's keep-alive when set, below `node_rpc.idle_timeout_ms`.
 */
export function assertNodeRpcTiming(config: PalyraConfig, origins: ConfigOrigins): void {
  const { heartbeatIntervalMs, keepAliveMs, idleTimeoutMs } = config.nodeRpc;
  const idle = `node_rpc.idle_timeout_ms = ${idleTimeoutMs} (from ${origins.get('node_rpc.idle_timeout_ms') ?? 'default'})`;
  const problems = [
    ...(heartbeatIntervalMs >= idleTimeoutMs ? [`node_rpc.heartbeat_interval_ms = ${heartbeatIntervalMs} (from ${origins.get('node_rpc.heartbeat_interval_ms') ?? 'default'}) is not below ${idle}`] : []),
    ...(keepAliveMs > 0 && keepAliveMs >= idleTimeoutMs ? [`node_rpc.keep_alive_ms = ${keepAliveMs} (from ${origins.get('node_rpc.keep_alive_ms') ?? 'default'}) is not below ${idle}`] : []),
  ];
  if (problems.length > 0) {
    throw configError(problems, 'keep node_rpc.heartbeat_interval_ms (and keep_alive_ms, if set) below node_rpc.idle_timeout_ms; half of it is a good value');
  }
}

/**
 * Enforces that TLS files come in pairs, that required client certificates have a CA to verify
 * them, and that a non-loopback bind has TLS and an admin token, so a daemon never listens on a
 * network without both.
 */
export function assertSafeBinds(config: PalyraConfig, origins: ConfigOrigins): void {
  const { certPath, keyPath, clientCaPath, clientAuth } = config.tls;
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const [set, unset] = certPath === undefined ? ['tls.key_path', 'tls.cert_path'] : ['tls.cert_path', 'tls.key_path'];
    throw configError(
      [`${set} is set (from ${origins.get(set)}) but ${unset} is not; they must be set together`],
      'set both tls.cert_path and tls.key_path (PALYRA_TLS_CERT_PATH, PALYRA_TLS_KEY_PATH), or neither',
    );
  }
  if (clientCaPath !== undefined && certPath === undefined) {
    throw configError(
      [`tls.client_ca_path is set (from ${origins.get('tls.client_ca_path')}) without tls.cert_path and tls.key_path`],
      'client certificates need TLS: set tls.cert_path and tls.key_path as well, or remove tls.client_ca_path',
    );
  }
  if (clientAuth === 'required' && clientCaPath === undefined) {
    throw configError(
      [`tls.client_auth = "required" (from ${origins.get('tls.client_auth')}) but tls.client_ca_path is not set, so no client certificate could be verified`],
      'set tls.client_ca_path (PALYRA_TLS_CLIENT_CA_PATH) to the CA that issues client certificates, or set tls.client_auth = "optional"',
    );
  }
  const remote = (['http', 'grpc', 'quic'] as const).filter((listener) => !isLoopbackHost(config[listener].host));
  if (remote.length === 0) return;
  const missing = [
    ...(certPath === undefined ? ['tls.cert_path', 'tls.key_path'] : []),
    ...(config.auth.adminToken === undefined ? ['an admin token'] : []),
  ];
  if (missing.length === 0) return;
  const binds = remote.map(
    (listener) => `${listener}.host = ${formatValue(config[listener].host)} (from ${origins.get(`${listener}.host`) ?? 'default'})`,
  );
  throw configError(
    [
      `refusing to bind ${binds.join(', ')}: a non-loopback address needs TLS and an admin token (missing: ${missing.join(', ')}); ` +
        'set tls.cert_path and tls.key_path (or PALYRA_TLS_CERT_PATH and PALYRA_TLS_KEY_PATH) and PALYRA_ADMIN_TOKEN ' +
        `(at least ${ADMIN_TOKEN_MIN_LENGTH} characters, e.g. from \`openssl rand -base64 32\`), or bind to 127.0.0.1`,
    ],
    'to stay local, use --host 127.0.0.1 (the default); to serve a network, configure TLS and an admin token as above',
  );
}
