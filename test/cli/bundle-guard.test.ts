// The bundle's __dirname/__filename guard (scripts/bundle-guard.ts) on real esbuild bundles of small module trees.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { describeDirnameUsers, type DirnameUser, dirnameUsers } from '../../scripts/bundle-guard.js';

/** Bundles `entry.js` of a tree written from `files` (path → source) the way scripts/bundle.ts does, then runs the guard. */
async function guard(dir: string, files: Record<string, string>): Promise<DirnameUser[]> {
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  const result = await build({ entryPoints: ['entry.js'], absWorkingDir: dir, bundle: true, write: false, metafile: true, format: 'esm', platform: 'node', logLevel: 'silent' });
  return dirnameUsers(result.metafile, dir);
}

describe('bundle guard against __dirname/__filename', () => {
  let root: string;
  let cases = 0;
  const caseDir = () => join(root, `case-${(cases += 1)}`);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'palyra-bundle-guard-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a package using __dirname after a "http://x" string on the same line → refused, naming its file and package', async () => {
    const users = await guard(caseDir(), {
      'entry.js': "import { sources } from 'evil-pkg';\nconsole.log(sources);\n",
      'node_modules/evil-pkg/package.json': '{ "name": "evil-pkg", "main": "lib/index.js" }',
      // One statement, so the bundle keeps the URL and __dirname on one line (where a `//`-comment strip cuts it off).
      'node_modules/evil-pkg/lib/index.js': "exports.sources = ['http://x', require('path').join(__dirname, 'a.proto')];\n",
    });
    assert.deepEqual(users, [{ input: 'node_modules/evil-pkg/lib/index.js', packageName: 'evil-pkg' }]);
    assert.equal(describeDirnameUsers(users), "bundle: node_modules/evil-pkg/lib/index.js (package evil-pkg) uses __dirname/__filename; add 'evil-pkg' to EXTERNAL in scripts/bundle.ts");
  });

  test('a scoped package nested in another one using __filename → refused under the scoped name', async () => {
    const users = await guard(caseDir(), {
      'entry.js': "import 'outer';\n",
      'node_modules/outer/index.js': "require('@scope/inner');\n",
      'node_modules/outer/node_modules/@scope/inner/index.js': 'module.exports = { here: __filename };\n',
    });
    assert.deepEqual(users, [{ input: 'node_modules/outer/node_modules/@scope/inner/index.js', packageName: '@scope/inner' }]);
  });

  test('__dirname and __filename only in strings, comments, a URL line and local bindings → not refused', async () => {
    const users = await guard(caseDir(), {
      'entry.js': "import { note, local, shim } from 'quiet';\nconsole.log(note, local('x'), shim);\n",
      'node_modules/quiet/index.js': [
        '// reads __dirname? no: see "http://x/__dirname"',
        "const note = 'http://x uses __dirname and __filename only as words'; /* __filename */",
        'function local(__dirname) { return `${__dirname}/file`; }',
        'const __filename = "/fixed/path.js";',
        'module.exports = { note, local, shim: __filename };',
        '',
      ].join('\n'),
    });
    assert.deepEqual(users, []);
  });

  test('the project\'s own source using __dirname → refused with the import.meta hint, no package named', async () => {
    const users = await guard(caseDir(), {
      'entry.js': "import { here } from './src/own.ts';\nconsole.log(here);\n",
      'src/own.ts': 'export const here: string = __dirname;\n',
    });
    assert.deepEqual(users, [{ input: 'src/own.ts', packageName: null }]);
    assert.match(describeDirnameUsers(users), /^bundle: src\/own\.ts uses __dirname\/__filename; use import\.meta\.dirname/);
  });
});
