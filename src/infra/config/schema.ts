// The PalyraConfig TypeBox schema: every config key, its type, limits and default.
import Type from 'typebox';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: readable lines on a terminal, JSON lines otherwise (a file, a pipe, a supervisor). */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const MODEL_PROVIDERS = ['builtin', 'openai'] as const;

/** Whether the gateway gRPC port demands a client certificate (mTLS) or only verifies one that is presented. */
export const CLIENT_AUTH_MODES = ['optional', 'required'] as const;
export type ClientAuthMode = (typeof CLIENT_AUTH_MODES)[number];

/** Relative to the daemon's working directory. */
export const DEFAULT_STATE_DIR = './.palyra';

/** The minimum length of an admin token, wherever it comes from. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;

const port = (defaultPort: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort });
const host = () => Type.String({ minLength: 1, default: '127.0.0.1' });
const positiveInt = (defaultValue: number) => Type.Integer({ minimum: 1, default: defaultValue });
const nonNegativeInt = (defaultValue: number) => Type.Integer({ minimum: 0, default: defaultValue });
const path = () => Type.Optional(Type.String({ minLength: 1 }));
const stringList = () => Type.Array(Type.String({ minLength: 1 }), { default: [] });
const section = <T extends Type.TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: false, default: {} });

/**
 * The daemon configuration. Keys are camelCase here and snake_case in `palyra.toml`
 * (`http.port`, `runs.max_turns`, `tools.http_allow_private`). Paths are absolute after loading.
 */
export const PalyraConfigSchema = Type.Object(
  {
    stateDir: Type.String({ minLength: 1, default: DEFAULT_STATE_DIR }),
    http: section({
      host: host(),
      port: port(7142),
      /** Largest request body accepted (413 beyond). */
      bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 16_777_216, default: 65_536 }),
      /** Requests per client address per second on the admin port (429 with Retry-After beyond). */
      rateLimitPerSecond: positiveInt(120),
      /** Proxies (IPs or CIDRs) whose X-Forwarded-For is believed; empty = the TCP peer is the client. */
      trustedProxies: stringList(),
      /** Extra origins (scheme://host[:port]) allowed to make unsafe requests besides the daemon's own. */
      allowedOrigins: stringList(),
      /**
       * Host names (no port) the admin port answers to besides the loopback names and addresses; requests for
       * any other Host get 421. On a loopback bind the check always applies (DNS rebinding); on another bind only once this is set.
       */
      allowedHosts: Type.Array(Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9.])?)$' }), {
        default: [],
        description: 'a list of host names or IP addresses without port ([IPv6] in brackets)',
      }),
      /** A TLS handshake, and each whole HTTP/1.1 request (headers and body), must arrive this fast (408 / closed beyond). */
      requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
      /** An HTTP/2 connection with no traffic this long is closed (SSE heartbeats every 15 s count as traffic). */
      idleTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 120_000 }),
    }),
    grpc: section({ host: host(), port: port(7443) }),
    quic: section({
      host: host(),
      port: port(7444),
      /** The address nodes dial, put into join strings: `host` or `host:port` (`[v6]:port`); default the bind host and port. */
      advertise: Type.Optional(
        Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$', description: 'host or host:port ([IPv6]:port)' }),
      ),
    }),
    tls: section({
      certPath: path(),
      keyPath: path(),
      /** CA the gateway gRPC port verifies client certificates against (chain and clientAuth EKU). */
      clientCaPath: path(),
      /** With client_ca_path: "optional" serves callers without a certificate; "required" refuses them at the handshake. */
      clientAuth: Type.Enum([...CLIENT_AUTH_MODES], { default: 'optional' }),
    }),
    auth: section({ adminToken: Type.Optional(Type.String({ minLength: ADMIN_TOKEN_MIN_LENGTH })) }),
    model: section({
      provider: Type.Enum([...MODEL_PROVIDERS], { default: 'builtin' }),
      baseUrl: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: 'an http:// or https:// URL' })),
      model: Type.Optional(Type.String({ minLength: 1 })),
      apiKeyEnv: Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        description: 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)',
        default: 'PALYRA_MODEL_API_KEY',
      }),
      timeoutMs: positiveInt(60_000),
      tokenDelayMs: nonNegativeInt(0),
    }),
    runs: section({
      maxTurns: positiveInt(8),
      maxToolCalls: positiveInt(16),
      wallClockMs: positiveInt(120_000),
      maxConcurrentPerPrincipal: positiveInt(16),
    }),
    approvals: section({ timeoutMs: positiveInt(60_000) }),
    tools: section({
      allow: stringList(),
      deny: stringList(),
      httpAllowPrivate: Type.Boolean({ default: false }),
      httpAllowedHosts: stringList(),
      httpMaxBytes: positiveInt(1_048_576),
      processAllowedCommands: stringList(),
    }),
    canvas: section({
      /** Lifetime of a canvas viewing token; the console renews it before it runs out. */
      tokenTtlMs: Type.Integer({ minimum: 10_000, maximum: 86_400_000, default: 900_000 }),
      maxStateBytes: Type.Integer({ minimum: 1024, maximum: 4_194_304, default: 65_536 }),
      maxBundleBytes: Type.Integer({ minimum: 0, maximum: 16_777_216, default: 524_288 }),
      maxAssets: Type.Integer({ minimum: 0, maximum: 1024, default: 32 }),
      maxUpdatesPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 120 }),
    }),
    journal: section({ maxPayloadBytes: positiveInt(262_144) }),
    browser: section({
      /** Unset: on when a Chromium is found (chromium_path or PATH), off otherwise; `palyra status` says which and why. */
      enabled: Type.Optional(Type.Boolean()),
      /** Embedded: where the child binds (default 127.0.0.1:0, an ephemeral port). Not embedded: the palyra-browserd to call. */
      endpoint: Type.Optional(Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$', description: 'host:port ([IPv6]:port)' })),
      /** The browserd service token; embedded and unset: generated once into <state>/browserd-token (mode 0600). */
      token: Type.Optional(Type.String({ minLength: 32 })),
      /** Start and supervise palyra-browserd as a child process (restarted with backoff when it dies). */
      embedded: Type.Boolean({ default: true }),
      chromiumPath: path(),
      /** Hosts (names or IP literals) the browser may reach even when they resolve to private addresses. */
      allowPrivateHosts: stringList(),
    }),
    log: section({ level: Type.Enum([...LOG_LEVELS], { default: 'info' }), format: Type.Enum([...LOG_FORMATS], { default: 'auto' }) }),
    nodeRpc: section({
      /** How often nodes send Heartbeat (told in RegisterNode and every Heartbeat answer). */
      heartbeatIntervalMs: Type.Integer({ minimum: 1_000, maximum: 300_000, default: 15_000 }),
      /**
       * The daemon's own QUIC keep-alive PING; 0 (the default) sends none. A node's heartbeats keep its
       * connection busy (the node host sends no PINGs); a daemon PING would only keep a node that stopped heartbeating connected.
       */
      keepAliveMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 0 }),
      /** A QUIC connection silent this long is dropped (a node that reconnects replaces its dead one at once anyway). */
      idleTimeoutMs: Type.Integer({ minimum: 2_000, maximum: 600_000, default: 30_000 }),
      /** Open QUIC connections at most; beyond it new connections are closed at once (a paired device's replacement is always let in). */
      maxConnections: Type.Integer({ minimum: 1, maximum: 100_000, default: 1024 }),
    }),
  },
  { additionalProperties: false },
);

export type PalyraConfig = Type.Static<typeof PalyraConfigSchema>;
