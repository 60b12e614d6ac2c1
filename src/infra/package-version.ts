// The version of this package, read once from package.json (the same relative path from src/ and dist/).
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The `version` field of package.json, e.g. `0.1.0`. */
export const PACKAGE_VERSION: string = manifest.version;
