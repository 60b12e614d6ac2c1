// redactConfig: the effective config with every secret replaced, for --print-config and logs.
import type { PalyraConfig } from './schema.js';

const SECRET_KEY = /^(adminToken|apiKey|token|secret|password)$/;

/** True for a config key (camelCase leaf name) whose value is a secret: never printed, never logged. */
export function isSecretKey(name: string): boolean {
  return SECRET_KEY.test(name);
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, child]) => [name, isSecretKey(name) && child !== undefined ? '<redacted>' : redact(child)]),
  );
}

/** A deep copy of `config` with the admin token and any key or secret shown as `<redacted>`. */
export function redactConfig(config: PalyraConfig): PalyraConfig {
  return redact(config) as PalyraConfig;
}
