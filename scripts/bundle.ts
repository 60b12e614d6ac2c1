// Bundles the palyrad and palyra entry points (run after tsc): one file and a few lazy chunks to load instead of ~2,000 modules.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describeDirnameUsers, dirnameUsers } from './bundle-guard.js';

const OUT_DIR = 'dist/bin';
const CHUNK_DIR = join(OUT_DIR, 'chunks');

/**
 * Left to node_modules: native addons, Playwright (loaded only by the browser engine), and packages
 * that read files beside themselves through `__dirname` (.proto files, worker scripts, package.json),
 * which would point into dist/bin once bundled.
 */
const EXTERNAL = [
  'better-sqlite3',
  '@matrixai/quic',
  'playwright-core',
  'pino',
  'pino-pretty',
  'thread-stream',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@grpc/reflection',
  'grpc-health-check',
  '@fastify/swagger',
];

// Bundled CommonJS packages call `require` for Node's built-ins; an ES module has none of its own.
const BANNER = "import { createRequire as __palyraCreateRequire } from 'node:module'; const require = __palyraCreateRequire(import.meta.url);";

rmSync(CHUNK_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: { palyrad: 'src/bin/palyrad.ts', palyra: 'src/bin/palyra.ts' },
  outdir: OUT_DIR,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true, // dynamic imports (the daemon, each CLI command) stay lazy chunks
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  external: EXTERNAL,
  banner: { js: BANNER },
  logLevel: 'warning',
  metafile: true,
});

// What each output holds (input paths relative to the package), for test/cli/startup-modules.test.ts.
const holds = Object.fromEntries(Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js')).map(([file, output]) => [file, Object.keys(output.inputs)]));
writeFileSync(join(OUT_DIR, 'bundle-meta.json'), `${JSON.stringify(holds)}\n`);

// A newly added dependency that finds its files through __dirname would break only at run time: refuse it here.
const offenders = await dirnameUsers(result.metafile);
if (offenders.length > 0) {
  console.error(describeDirnameUsers(offenders));
  process.exit(1);
}
