// Where the installed package lives, so files beside the code (dist/web, proto/, package.json) are found from src/, dist/ and the bundled bins alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first directory at or above `start` whose package.json names this package. */
export function findPackageRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'palyra') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the palyra package (its package.json) above ${start}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot();

/** A path inside the package, e.g. `packagePath('dist', 'web')`. */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
