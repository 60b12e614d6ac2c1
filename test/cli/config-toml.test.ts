// `palyrad --print-config` prints palyra.toml that reads back to the same effective config; `palyra init` writes every key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'smol-toml';
import { CONFIG_KEYS } from '../../src/infra/config/config-keys.js';
import { runCli } from '../helpers/cli.js';
import { DAEMON_BIN } from '../helpers/daemon.js';

const TOKEN = 'S3cret-admin-token-that-is-long-enough-0123';

function palyrad(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));
  const result = spawnSync(process.execPath, [DAEMON_BIN, ...args], { env: { ...inherited, ...env }, encoding: 'utf8', timeout: 30_000, cwd });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('palyra.toml round trip', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'palyra-toml-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--print-config (TOML, snake_case) fed back with --config → the same effective config; the admin token is not printed', () => {
    const source = join(dir, 'source.toml');
    writeFileSync(source, ['[runs]', 'max_turns = 3', '[tools]', 'deny = ["palyra.http.fetch"]', 'http_allowed_hosts = ["example.org"]', '[tls]', 'cert_path = "certs/daemon.pem"', 'key_path = "certs/daemon.key"', ''].join('\n'));
    const env = { PALYRA_ADMIN_TOKEN: TOKEN, PALYRA_APPROVALS_TIMEOUT_MS: '5000', PALYRA_MODEL_TOKEN_DELAY_MS: '7' };
    const flags = ['--state-dir', join(dir, 'state'), '--http-port', '0', '--log-level', 'warn'];
    const printed = palyrad([...flags, '--config', source, '--print-config'], env);
    assert.equal(printed.code, 0, printed.stderr);
    assert.ok(!printed.stdout.includes(TOKEN), 'the admin token must not be printed');
    assert.match(printed.stdout, /^\[runs\]\nmax_turns = 3$/m);
    assert.match(printed.stdout, /^\[http\]\nhost = "127\.0\.0\.1"\nport = 0$/m);
    for (const line of printed.stdout.split('\n').filter((text) => /^\w+ =/.test(text))) assert.match(line, /^[a-z0-9_]+ = /, 'keys are snake_case');
    const toml = join(dir, 'printed.toml');
    writeFileSync(toml, printed.stdout);
    // Read back with no environment and no flags but --config: everything must come from the file.
    const before = JSON.parse(palyrad([...flags, '--config', source, '--print-config', 'json'], env).stdout) as Record<string, unknown>;
    const after = palyrad(['--config', toml, '--print-config', 'json'], { PALYRA_ADMIN_TOKEN: TOKEN });
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(JSON.parse(after.stdout), before);
  });

  test('--print-config yaml → exit 2 naming the formats', () => {
    const result = palyrad(['--print-config', 'yaml']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /takes toml \(the default\) or json/);
  });

  test('palyra init → a commented palyra.toml with every key at its default that palyrad accepts unchanged', async () => {
    const result = await runCli(['init'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const file = join(dir, 'palyra.toml');
    const text = readFileSync(file, 'utf8');
    for (const key of CONFIG_KEYS) {
      const name = key.tomlName.split('.').pop() as string;
      assert.match(text, new RegExp(`^#? ?${name} (=|is )`, 'm'), `${key.tomlName} is missing`);
      assert.ok(text.includes(`env ${key.envName}`), `${key.envName} is not mentioned`);
    }
    assert.ok(parse(text));
    assert.match(result.stdout, /wrote .*palyra\.toml/);
    const defaults = palyrad(['--print-config', 'json'], {}, dir);
    rmSync(file);
    const moved = join(dir, 'elsewhere.toml');
    writeFileSync(moved, text);
    const fromInit = palyrad(['--config', moved, '--print-config', 'json'], {}, dir);
    writeFileSync(file, text);
    assert.equal(fromInit.code, 0, fromInit.stderr);
    assert.deepEqual(JSON.parse(fromInit.stdout), JSON.parse(defaults.stdout));
  });

  test('palyra init again → exit 1 without touching the file; --force overwrites', async () => {
    const file = join(dir, 'palyra.toml');
    writeFileSync(file, '# mine\n');
    const again = await runCli(['init'], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    assert.match(again.stderr, /^hint: .*--force/m);
    assert.equal(readFileSync(file, 'utf8'), '# mine\n');
    const forced = await runCli(['init', '--force'], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(readFileSync(file, 'utf8').length > 100);
    assert.ok(existsSync(file));
  });
});
