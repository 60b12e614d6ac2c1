// Zero-setup credentials: the loopback daemon's admin-token found by state dir, one login for HTTP and gRPC, logout revokes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('palyra credentials', () => {
  let daemon: TestDaemon;
  let home: string;
  let empty: string;
  let target: string[];
  const env = () => ({ XDG_CONFIG_HOME: home });

  before(async () => {
    daemon = await startDaemon();
    home = mkdtempSync(join(tmpdir(), 'palyra-cli-home-'));
    empty = mkdtempSync(join(tmpdir(), 'palyra-cli-empty-'));
    target = ['--url', daemon.ready.http, '--grpc', daemon.ready.grpc];
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    rmSync(home, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  test('--state-dir of a loopback daemon → its admin-token is used over HTTP (status) and gRPC (sessions list)', async () => {
    const status = await runCli([...target, '--state-dir', daemon.stateDir, '--json', 'status'], { env: env() });
    assert.equal(status.code, 0, status.stderr);
    const sessions = await runCli([...target, '--state-dir', daemon.stateDir, '--json', 'sessions', 'list'], { env: env() });
    assert.equal(sessions.code, 0, sessions.stderr);
  });

  test('PALYRA_STATE_DIR, and ./.palyra in the working directory, are found the same way', async () => {
    const byEnv = await runCli([...target, 'status'], { env: { ...env(), PALYRA_STATE_DIR: daemon.stateDir } });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    const linked = mkdtempSync(join(tmpdir(), 'palyra-cwd-'));
    try {
      symlinkSync(daemon.stateDir, join(linked, '.palyra'));
      const byCwd = await runCli([...target, 'status'], { env: env(), cwd: linked });
      assert.equal(byCwd.code, 0, byCwd.stderr);
    } finally {
      rmSync(linked, { recursive: true, force: true });
    }
  });

  test('a non-loopback --url → the state dir token is never read: exit 4 naming login, --token and --state-dir', async () => {
    const result = await runCli(['--url', 'http://palyra.invalid:7142', '--grpc', daemon.ready.grpc, '--state-dir', daemon.stateDir, 'status'], { env: env() });
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /^palyra: no credentials for palyrad\nhint: run `palyra login`, pass --token .*--state-dir/m);
  });

  test('no credential anywhere → exit 4 with the hint (HTTP and gRPC commands alike)', async () => {
    for (const command of [['status'], ['sessions', 'list']]) {
      const result = await runCli([...target, '--state-dir', empty, ...command], { env: env() });
      assert.equal(result.code, 4, `${command.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^hint: run `palyra login`/m);
    }
  });

  test('login (token from the state dir) → status, nodes list, runs get and sessions list all work without a token', async () => {
    const login = await runCli([...target, '--state-dir', daemon.stateDir, 'login', '--principal', 'admin:ops'], { env: env() });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`logged in to ${daemon.ready.http.replace(/[.]/g, '\\.')} as admin:ops`));
    // From here on: no --url, no --grpc, no --token, an empty state dir — only the stored login.
    const bare = ['--state-dir', empty];
    const run = await runCli([...bare, '--json', 'run', 'after login'], { env: env() });
    assert.equal(run.code, 0, run.stderr);
    const runId = (JSON.parse(run.stdout.split('\n')[0] as string) as { run_id: string }).run_id;
    for (const command of [['status'], ['nodes', 'list'], ['runs', 'get', runId], ['sessions', 'list'], ['journal', 'verify', '--remote']]) {
      const result = await runCli([...bare, ...command], { env: env() });
      assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`);
    }
  });

  test('logout → the session token is revoked on the daemon and the file is gone', async () => {
    const stored = JSON.parse(readFileSync(join(home, 'palyra', 'session.json'), 'utf8')) as { token: string; device_id: string };
    const headers = { authorization: `Bearer ${stored.token}`, 'x-palyra-device-id': stored.device_id };
    assert.equal((await fetch(`${daemon.ready.http}/admin/v1/status`, { headers })).status, 200);
    const logout = await runCli(['logout'], { env: env() });
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stdout, /logged out \(session revoked on the daemon\)/);
    assert.equal((await fetch(`${daemon.ready.http}/admin/v1/status`, { headers })).status, 401);
    const again = await runCli(['logout'], { env: env() });
    assert.match(again.stdout, /not logged in/);
  });

  test('a stored login for one daemon is not sent to another --url', async () => {
    const login = await runCli([...target, '--token', daemon.adminToken, 'login'], { env: env() });
    assert.equal(login.code, 0, login.stderr);
    const elsewhere = await runCli(['--url', 'http://127.0.0.1:1', '--grpc', '127.0.0.1:1', '--state-dir', empty, 'status'], { env: env() });
    assert.equal(elsewhere.code, 4, elsewhere.stderr);
  });

  test('a scope the token lacks → exit 6 (permission denied), not 4', async () => {
    const created = await runCli([...target, '--token', daemon.adminToken, '--json', 'tokens', 'create', 'narrow', '--principal', 'user:narrow', '--scope', 'runs:read'], { env: env() });
    assert.equal(created.code, 0, created.stderr);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const result = await runCli([...target, '--token', token, 'nodes', 'list'], { env: env() });
    assert.equal(result.code, 6, result.stderr);
    assert.match(result.stderr, /^hint: .*scope/m);
  });
});
