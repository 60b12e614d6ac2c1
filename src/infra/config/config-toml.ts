// The configuration as palyra.toml text: every key in snake_case and schema order, readable back by loadConfig.
import { stringify } from 'smol-toml';
import { Value } from 'typebox/value';
import { CONFIG_KEYS, type ConfigKey, describeAllowed } from './config-keys.js';
import { isSecretKey } from './redact-config.js';
import { PalyraConfigSchema, type PalyraConfig } from './schema.js';


export interface RenderOptions {
  /** A comment above each key: its environment variable, what it accepts and its default (for `palyra init`). */
  annotate: boolean;
}

function valueAt(config: PalyraConfig, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, name) => (node as Record<string, unknown> | undefined)?.[name], config);
}

function leafName(key: ConfigKey): string {
  return key.tomlName.split('.').pop() as string;
}

function assignment(name: string, value: unknown): string {
  return stringify({ [name]: value }).trim();
}

function renderKey(key: ConfigKey, config: PalyraConfig, options: RenderOptions): string[] {
  const lines: string[] = [];
  const value = valueAt(config, key.path);
  const fallback = (key.schema as { default?: unknown }).default;
  if (options.annotate) {
    const defaultText = fallback === undefined ? 'unset by default' : `default ${assignment('x', fallback).slice(4)}`;
    lines.push(`# ${describeAllowed(key.schema)}; ${defaultText}; env ${key.envName}`);
  }
  // Secrets are never written out: a printed config must be safe to paste into an issue.
  if (isSecretKey(key.path.at(-1) as string)) {
    lines.push(value === undefined ? `# ${leafName(key)} = "…" (a secret: prefer ${key.envName} or the generated admin-token file)` : `# ${leafName(key)} is set but not shown`);
  } else if (value === undefined) {
    if (options.annotate) lines.push(`# ${leafName(key)} = …`);
  } else {
    lines.push(assignment(leafName(key), value));
  }
  return lines;
}

/** `config` as palyra.toml; loading the text back gives the same config, secrets aside. */
export function renderConfigToml(config: PalyraConfig, options: RenderOptions): string {
  const out: string[] = [];
  let section: string | undefined;
  for (const key of CONFIG_KEYS) {
    const keySection = key.path.length > 1 ? key.tomlName.split('.')[0] : undefined;
    if (keySection !== section) {
      section = keySection;
      out.push('', `[${section}]`);
    }
    out.push(...renderKey(key, config, options));
  }
  return `${out.join('\n').trim()}\n`;
}

/** A commented palyra.toml with every key at its default (what `palyra init` writes). */
export function defaultConfigToml(): string {
  const defaults = Value.Default(PalyraConfigSchema, {}) as PalyraConfig;
  const header = [
    '# palyra.toml: configuration of palyrad. Every key is listed with its default; delete what you do not change.',
    '# Precedence: defaults < this file < PALYRA_* environment variables < palyrad flags.',
    '# palyrad reads <state_dir>/palyra.toml, else ./palyra.toml (or --config FILE); relative paths are relative to this file.',
    '',
  ];
  return header.join('\n') + renderConfigToml(defaults, { annotate: true });
}
