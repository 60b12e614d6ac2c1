// `palyra` and `palyrad` as processes: help, version, usage errors, --print-config and config errors (no daemon started).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TOKEN = 'S3cret-admin-token-that-is-long-enough-0123';

let stateDir: string;

before(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'palyra-'));
});
after(() => rmSync(stateDir, { recursive: true, force: true }));

/** Runs a bin under tsx from the repo root with no PALYRA_* variables but those given. */
function run(bin: 'palyra' | 'palyrad', args: string[], env: Record<string, string> = {}) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));
  const result = spawnSync(process.execPath, ['--import', 'tsx', `src/bin/${bin}.ts`, ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('palyra', () => {
  test('--help → exit 0, usage with the global options and commands', () => {
    const { code, stdout } = run('palyra', ['--help']);
    assert.equal(code, 0);
    for (const fragment of ['Usage: palyra', '--url <url>', 'PALYRA_URL', '--grpc <host:port>', '--token <token>', '--json', 'version', 'journal']) {
      assert.ok(stdout.includes(fragment), `help lacks ${fragment}`);
    }
  });

  test('version → exit 0, "palyra <version>"', () => {
    const { code, stdout } = run('palyra', ['version']);
    assert.equal(code, 0);
    assert.equal(stdout, `palyra ${VERSION}\n`);
  });

  test('version --json → exactly one JSON document {version, node}', () => {
    const { code, stdout } = run('palyra', ['version', '--json']);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), { version: VERSION, node: process.version });
  });

  test('unknown option → exit 2 naming the option and pointing to --help', () => {
    const { code, stdout, stderr } = run('palyra', ['--bogus']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /unknown option '--bogus'/);
    assert.match(stderr, /palyra --help/);
  });

  test('misspelt command → exit 2 with a suggestion', () => {
    const { code, stderr } = run('palyra', ['verison']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command 'verison'/);
    assert.match(stderr, /Did you mean version\?/);
  });

  test('PALYRA_URL that is not http(s) → exit 2 saying what is expected', () => {
    const { code, stderr } = run('palyra', ['version'], { PALYRA_URL: 'ftp://example' });
    assert.equal(code, 2);
    assert.match(stderr, /expected an http:\/\/ or https:\/\/ URL/);
  });
});

describe('palyrad', () => {
  test('--print-config json → exit 0, effective config as JSON with flags applied and the token redacted', () => {
    const { code, stdout, stderr } = run('palyrad', ['--state-dir', stateDir, '--http-port', '0', '--print-config', 'json'], {
      PALYRA_ADMIN_TOKEN: TOKEN,
      PALYRA_GRPC_PORT: '7500',
    });
    assert.equal(code, 0, stderr);
    const config = JSON.parse(stdout) as { stateDir: string; http: { port: number }; grpc: { port: number }; auth: { adminToken?: string } };
    assert.equal(config.stateDir, stateDir);
    assert.equal(config.http.port, 0);
    assert.equal(config.grpc.port, 7500);
    assert.equal(config.auth.adminToken, '<redacted>');
    assert.ok(!stdout.includes(TOKEN));
  });

  test('invalid variable → exit 1, "palyrad: invalid config: …" naming key, value, source and range, plus a hint', () => {
    const { code, stdout, stderr } = run('palyrad', ['--print-config', '--state-dir', stateDir], { PALYRA_HTTP_PORT: 'abc' });
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^palyrad: invalid config: http\.port = "abc" \(from PALYRA_HTTP_PORT\): expected an integer 0\.\.65535$/m);
    assert.match(stderr, /^hint: /m);
    assert.ok(!stderr.includes('    at '), 'no stack trace for a config error');
  });

  test('--host 0.0.0.0 without TLS → exit 1 refusing the bind before anything starts', () => {
    const { code, stderr } = run('palyrad', ['--state-dir', stateDir, '--host', '0.0.0.0']);
    assert.equal(code, 1);
    assert.match(stderr, /palyrad: invalid config: refusing to bind http\.host = "0\.0\.0\.0" \(from --host\)/);
  });

  test('--version → exit 0, the package version', () => {
    const { code, stdout } = run('palyrad', ['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), VERSION);
  });

  test('unknown flag → exit 2 naming it and pointing to --help', () => {
    const { code, stderr } = run('palyrad', ['--http-prot', '1']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown option '--http-prot'/);
    assert.match(stderr, /palyrad --help/);
  });
});
