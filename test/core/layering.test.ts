// The import direction of src/: core sees no adapter, infra and transports see no CLI (ARCHITECTURE "Imports point one way").
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve('src');
const FORBIDDEN: Record<string, readonly string[]> = { core: ['transport', 'infra', 'cli'], infra: ['transport', 'cli'], transport: ['cli'] };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
  test(`src/${layer} imports nothing from ${forbidden.map((name) => `src/${name}`).join(', ')}`, () => {
    const offences = sourceFiles(join(SRC, layer)).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)]
        .map((match) => relative(SRC, resolve(file, '..', match[1] as string)).split('/')[0] as string)
        .filter((top) => forbidden.includes(top))
        .map((top) => `${relative(SRC, file)} → src/${top}`),
    );
    assert.deepEqual(offences, []);
  });
}
