// The leaf keys of the config schema with their TOML names, environment variables and value kinds.
import { PalyraConfigSchema } from './schema.js';

/** How a text value (environment variable or flag) is turned into the key's type. */
export type ValueKind = 'string' | 'integer' | 'boolean' | 'list';

export interface ConfigKey {
  /** camelCase path into PalyraConfig, e.g. `['http', 'port']`. */
  path: readonly string[];
  /** The name the user writes in palyra.toml, e.g. `http.port`. */
  tomlName: string;
  /** The environment variable that sets it, e.g. `PALYRA_HTTP_PORT`. */
  envName: string;
  kind: ValueKind;
  /** The JSON Schema of the leaf, used to describe what is allowed. */
  schema: JsonSchema;
  /** Relative paths are resolved (against the cwd, or the directory of the TOML file). */
  isPath: boolean;
}

export interface JsonSchema {
  type?: string;
  description?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
}

// The systematic name would be PALYRA_AUTH_ADMIN_TOKEN / PALYRA_MODEL_MODEL; these read better and
// PALYRA_ADMIN_TOKEN is also what the CLI reads.
const ENV_NAME_OVERRIDES: Record<string, string> = {
  'auth.admin_token': 'PALYRA_ADMIN_TOKEN',
  'model.model': 'PALYRA_MODEL',
};

const PATH_KEYS = new Set(['state_dir', 'tls.cert_path', 'tls.key_path', 'tls.client_ca_path', 'browser.chromium_path']);

export function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function kindOf(schema: JsonSchema): ValueKind {
  if (schema.type === 'integer') return 'integer';
  if (schema.type === 'boolean') return 'boolean';
  if (schema.type === 'array') return 'list';
  return 'string';
}

function collectKeys(schema: JsonSchema, prefix: readonly string[]): ConfigKey[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, child]) => {
    const path = [...prefix, name];
    if (child.type === 'object') return collectKeys(child, path);
    const tomlName = path.map(toSnakeCase).join('.');
    return [
      {
        path,
        tomlName,
        envName: ENV_NAME_OVERRIDES[tomlName] ?? `PALYRA_${tomlName.replace('.', '_').toUpperCase()}`,
        kind: kindOf(child),
        schema: child,
        isPath: PATH_KEYS.has(tomlName),
      },
    ];
  });
}

/** Every leaf key of PalyraConfig, in schema order. */
export const CONFIG_KEYS: readonly ConfigKey[] = collectKeys(PalyraConfigSchema as JsonSchema, []);

/** A short phrase saying what a key accepts, e.g. `an integer 0..65535`. */
export function describeAllowed(schema: JsonSchema): string {
  if (schema.description) return schema.description;
  if (schema.enum) return `one of ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  switch (schema.type) {
    case 'integer':
      if (schema.minimum !== undefined && schema.maximum !== undefined) {
        return `an integer ${schema.minimum}..${schema.maximum}`;
      }
      return schema.minimum !== undefined ? `an integer >= ${schema.minimum}` : 'an integer';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list of non-empty strings';
    case 'string':
      if (schema.pattern) return `a string matching ${schema.pattern}`;
      if (schema.minLength !== undefined && schema.minLength > 1) {
        return `a string of at least ${schema.minLength} characters`;
      }
      return schema.minLength === 1 ? 'a non-empty string' : 'a string';
    default:
      return 'a valid value';
  }
}
