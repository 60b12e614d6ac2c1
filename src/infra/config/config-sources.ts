// Reads config values from one source each (palyra.toml, PALYRA_* variables, daemon flags), noting where each came from.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { CONFIG_KEYS, toCamelCase, toSnakeCase, type ConfigKey } from './config-keys.js';
import { configError, formatValue } from './config-error.js';

/** One value set by one source. */
export interface ConfigValue {
  key: ConfigKey;
  value: unknown;
  /** Where it came from, as the user wrote it: a file path, `PALYRA_HTTP_PORT` or `--http-port`. */
  origin: string;
  /** The directory a relative path value is resolved against. */
  baseDir: string;
}

/** The daemon flags that feed the config, as commander parsed them. */
export interface ConfigFlags {
  stateDir?: string;
  config?: string;
  httpPort?: string | number;
  grpcPort?: string | number;
  quicPort?: string | number;
  /** Sets http.host, grpc.host and quic.host together. */
  host?: string;
  logLevel?: string;
  logFormat?: string;
}

type FlagName = Exclude<keyof ConfigFlags, 'config'>;

const FLAG_KEYS: Record<FlagName, { flag: string; keys: string[] }> = {
  stateDir: { flag: '--state-dir', keys: ['state_dir'] },
  httpPort: { flag: '--http-port', keys: ['http.port'] },
  grpcPort: { flag: '--grpc-port', keys: ['grpc.port'] },
  quicPort: { flag: '--quic-port', keys: ['quic.port'] },
  host: { flag: '--host', keys: ['http.host', 'grpc.host', 'quic.host'] },
  logLevel: { flag: '--log-level', keys: ['log.level'] },
  logFormat: { flag: '--log-format', keys: ['log.format'] },
};

const BOOLEAN_TEXT: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/**
 * Turns the text of a variable or flag into the key's type. Text that does not convert is kept
 * as it is, so validation can report it exactly as the user wrote it.
 */
function coerceText(key: ConfigKey, text: string): unknown {
  switch (key.kind) {
    case 'integer':
      return /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    case 'boolean':
      return BOOLEAN_TEXT[text.trim().toLowerCase()] ?? text;
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'string':
      return text;
  }
}

/**
 * Values from `PALYRA_<SECTION>_<KEY>` variables. An empty variable counts as unset, except for
 * lists, where it means the empty list.
 */
export function readEnvValues(env: Readonly<Record<string, string | undefined>>, cwd: string): ConfigValue[] {
  return CONFIG_KEYS.flatMap((key) => {
    const text = env[key.envName];
    if (text === undefined || (text === '' && key.kind !== 'list')) return [];
    return [{ key, value: coerceText(key, text), origin: key.envName, baseDir: cwd }];
  });
}

/** Values from the daemon flags; `--host` sets all three listeners. */
export function readFlagValues(flags: ConfigFlags, cwd: string): ConfigValue[] {
  return (Object.keys(FLAG_KEYS) as FlagName[]).flatMap((name) => {
    const raw = flags[name];
    if (raw === undefined) return [];
    const { flag, keys } = FLAG_KEYS[name];
    return CONFIG_KEYS.filter((key) => keys.includes(key.tomlName)).map((key) => ({
      key,
      value: typeof raw === 'number' ? raw : coerceText(key, raw),
      origin: flag,
      baseDir: cwd,
    }));
  });
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function unknownKeyError(file: string, name: string, known: readonly string[]): never {
  throw configError(
    [`unknown key "${name}" in ${file}; allowed here: ${known.join(', ')}`],
    'fix the spelling or remove the key (palyrad --help lists the flags; the README lists every key)',
  );
}

/** Values from a TOML file. Unknown keys and sections are errors, naming the key. */
export function readTomlValues(file: string, explicitOrigin?: string): ConfigValue[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(
      [`cannot read config file ${file}${explicitOrigin ? ` (from ${explicitOrigin})` : ''}: ${(error as Error).message}`],
      explicitOrigin ? `check the path given by ${explicitOrigin}` : 'fix the file permissions or remove the file',
    );
  }
  let document: Record<string, unknown>;
  try {
    document = parseToml(text);
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : '';
    const reason = (error as Error).message.split('\n')[0] ?? '';
    throw configError([`${file} is not valid TOML${where}: ${reason}`], 'fix the TOML syntax');
  }
  const baseDir = dirname(file);
  const values: ConfigValue[] = [];
  const topLevel = [...new Set(CONFIG_KEYS.map((key) => toSnakeCase(key.path[0] ?? '')))];
  for (const [name, value] of Object.entries(document)) {
    const sectionKeys = CONFIG_KEYS.filter((key) => key.path.length === 2 && key.path[0] === toCamelCase(name));
    const leaf = CONFIG_KEYS.find((key) => key.path.length === 1 && key.tomlName === name);
    if (leaf) {
      values.push({ key: leaf, value, origin: file, baseDir });
    } else if (sectionKeys.length === 0) {
      unknownKeyError(file, name, topLevel);
    } else if (!isTable(value)) {
      throw configError([`${name} = ${formatValue(value)} (from ${file}): expected a table [${name}]`]);
    } else {
      for (const [child, childValue] of Object.entries(value)) {
        const key = sectionKeys.find((candidate) => candidate.tomlName === `${name}.${child}`);
        if (!key) unknownKeyError(file, `${name}.${child}`, sectionKeys.map((candidate) => candidate.tomlName));
        values.push({ key, value: childValue, origin: file, baseDir });
      }
    }
  }
  return values;
}
