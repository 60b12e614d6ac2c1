// loadConfig: defaults < palyra.toml < PALYRA_* environment < flags, validated into one PalyraConfig.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Value } from 'typebox/value';
import { CONFIG_KEYS } from './config-keys.js';
import { readEnvValues, readFlagValues, readTomlValues, type ConfigFlags, type ConfigValue } from './config-sources.js';
import { assertDialableQuic, assertMatchesSchema, assertNodeRpcTiming, assertSafeBinds } from './validate-config.js';
import { DEFAULT_STATE_DIR, PalyraConfigSchema, type PalyraConfig } from './schema.js';

export type { ConfigFlags } from './config-sources.js';

export interface LoadConfigInput {
  flags?: ConfigFlags;
  env?: Readonly<Record<string, string | undefined>>;
  /** Relative paths from flags, variables and defaults resolve against it. */
  cwd: string;
}

const CONFIG_FILE_NAME = 'palyra.toml';

/**
 * The file to read: `--config` or `PALYRA_CONFIG` (must exist), else `<state_dir>/palyra.toml`,
 * else `./palyra.toml`, else none. The state dir here is the one given by flag, variable or default.
 */
function locateConfigFile(input: LoadConfigInput): { file: string; origin?: string } | null {
  const env = input.env ?? {};
  const explicit = input.flags?.config !== undefined ? { path: input.flags.config, origin: '--config' } : undefined;
  const fromEnv = env.PALYRA_CONFIG ? { path: env.PALYRA_CONFIG, origin: 'PALYRA_CONFIG' } : undefined;
  const chosen = explicit ?? fromEnv;
  if (chosen) return { file: resolve(input.cwd, chosen.path), origin: chosen.origin };
  const stateDir = resolve(input.cwd, input.flags?.stateDir ?? (env.PALYRA_STATE_DIR || DEFAULT_STATE_DIR));
  const candidates = [join(stateDir, CONFIG_FILE_NAME), join(input.cwd, CONFIG_FILE_NAME)];
  const found = candidates.find((candidate) => existsSync(candidate));
  return found ? { file: found } : null;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const parents = path.slice(0, -1);
  const leaf = path[path.length - 1] as string;
  const parent = parents.reduce((node, name) => node[name] as Record<string, unknown>, target);
  parent[leaf] = value;
}

/**
 * Loads the effective configuration. Relative paths in palyra.toml resolve against the file's
 * directory; those from flags, variables and defaults against `cwd`.
 *
 * @throws CoreError `invalid_argument` whose message names each bad key (as written: TOML path,
 *   variable or flag), its value and what is allowed; unknown TOML keys; a non-loopback bind
 *   without TLS and an admin token. `details.hint` says what to do next.
 */
export function loadConfig(input: LoadConfigInput): PalyraConfig {
  const located = locateConfigFile(input);
  const layers: ConfigValue[] = [
    ...(located ? readTomlValues(located.file, located.origin) : []),
    ...readEnvValues(input.env ?? {}, input.cwd),
    ...readFlagValues(input.flags ?? {}, input.cwd),
  ];
  const config = Value.Default(PalyraConfigSchema, {}) as Record<string, unknown>;
  const origins = new Map(CONFIG_KEYS.map((key) => [key.tomlName, 'default']));
  for (const { key, value, origin, baseDir } of layers) {
    setAt(config, key.path, key.isPath && typeof value === 'string' && value !== '' ? resolve(baseDir, value) : value);
    origins.set(key.tomlName, origin);
  }
  if (origins.get('state_dir') === 'default') config.stateDir = resolve(input.cwd, DEFAULT_STATE_DIR);
  assertMatchesSchema(config, origins);
  assertSafeBinds(config, origins);
  assertDialableQuic(config, origins);
  assertNodeRpcTiming(config, origins);
  return config;
}
