// Finds the bundled input files that reference __dirname/__filename, which an ES module bundle does not have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Loader, type Metafile, transform } from 'esbuild';

export interface DirnameUser {
  /** The input file as the metafile names it (relative to the build's working directory). */
  input: string;
  /** The npm package the file belongs to, or null for the project's own sources. */
  packageName: string | null;
}

const LOADERS: Record<string, Loader> = { '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx' };

// esbuild's define replaces only free references (not strings, comments or local bindings of the same name),
// so a marker in the transformed code is exactly a use of the missing globals.
const MARKER = '__palyra_bundle_guard_free_global__';
const DEFINE = { __dirname: MARKER, __filename: MARKER };

/** The inputs of `metafile` that use __dirname or __filename as free variables; `root` is the build's working directory. */
export async function dirnameUsers(metafile: Metafile, root = process.cwd()): Promise<DirnameUser[]> {
  const users: DirnameUser[] = [];
  for (const input of Object.keys(metafile.inputs)) {
    const loader = LOADERS[input.slice(input.lastIndexOf('.'))];
    if (loader === undefined) continue;
    const source = readFileSync(join(root, input), 'utf8');
    // A free use must spell the name: files that never do are skipped without a parse.
    if (!source.includes('__dirname') && !source.includes('__filename')) continue;
    const { code } = await transform(source, { loader, define: DEFINE, sourcefile: input, logLevel: 'silent' });
    if (code.includes(MARKER)) users.push({ input, packageName: packageOf(input) });
  }
  return users;
}

/** `node_modules/@scope/name/…` → `@scope/name`, `node_modules/name/…` → `name` (the innermost node_modules wins). */
function packageOf(input: string): string | null {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return null;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? null);
}

/** One line per offender, saying what to do about it. */
export function describeDirnameUsers(users: DirnameUser[]): string {
  return users
    .map((user) =>
      user.packageName === null
        ? `bundle: ${user.input} uses __dirname/__filename; use import.meta.dirname/import.meta.filename instead`
        : `bundle: ${user.input} (package ${user.packageName}) uses __dirname/__filename; add '${user.packageName}' to EXTERNAL in scripts/bundle.ts`,
    )
    .join('\n');
}
