// The version of this package, read once from its package.json.
import { readFileSync } from 'node:fs';
import { packagePath } from './package-root.js';

const manifest = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };

/** The `version` field of package.json, e.g. `0.1.0`. */
export const PACKAGE_VERSION: string = manifest.version;
