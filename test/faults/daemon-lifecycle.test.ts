// The real daemon: start-up output, ready file, admin token once, second daemon refused, orderly SIGTERM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DAEMON_BIN, makeStateDir, removeStateDir, startDaemon } from '../helpers/daemon.js';

describe('palyrad lifecycle', () => {
  test('first start → ready file with listeners, banner with console URL and the token shown once (0600)', async () => {
    const stateDir = makeStateDir();
    try {
      const first = await startDaemon({ stateDir });
      assert.match(first.ready.http, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(first.ready.grpc, /^127\.0\.0\.1:\d+$/);
      assert.equal(first.ready.pid, first.process.pid);
      assert.ok(first.output().includes(`console:  ${first.ready.http}/`));
      assert.ok(first.output().includes(first.adminToken), 'token printed on first start');
      assert.equal(statSync(join(stateDir, 'admin-token')).mode & 0o777, 0o600);
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      assert.equal(statSync(join(stateDir, 'palyra.sqlite3')).mode & 0o777, 0o600);
      const health = await fetch(`${first.ready.http}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      assert.equal(await first.stop(), 0);

      const second = await startDaemon({ stateDir });
      assert.ok(!second.output().includes(second.adminToken), 'token not printed again');
      assert.ok(second.output().includes('admin token: in'));
      assert.equal(second.adminToken, first.adminToken);
      assert.equal(await second.stop(), 0);
    } finally {
      removeStateDir(stateDir);
    }
  });

  test('a second daemon on the same state dir → exit 1 naming the running pid; the first keeps serving', async () => {
    const daemon = await startDaemon();
    try {
      const second = spawnSync(process.execPath, [DAEMON_BIN, '--state-dir', daemon.stateDir, '--http-port', '0', '--grpc-port', '0', '--quic-port', '0'], {
        encoding: 'utf8',
        timeout: 15_000,
      });
      assert.equal(second.status, 1);
      assert.match(second.stderr, new RegExp(`another palyrad \\(pid ${daemon.ready.pid}\\)`));
      const response = await daemon.admin('/admin/v1/journal/verify');
      assert.equal(((await response.json()) as { ok: boolean }).ok, true);
    } finally {
      await daemon.stop();
      removeStateDir(daemon.stateDir);
    }
  });

  test('invalid config file → exit 1 with key, value and what is allowed', () => {
    const stateDir = makeStateDir();
    try {
      writeFileSync(join(stateDir, 'palyra.toml'), '[http]\nport = "abc"\n');
      const result = spawnSync(process.execPath, [DAEMON_BIN, '--state-dir', stateDir], { encoding: 'utf8', timeout: 15_000 });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /http\.port/);
      assert.match(result.stderr, /"abc"/);
      assert.match(result.stderr, /integer/);
    } finally {
      removeStateDir(stateDir);
    }
  });

  test('unwritable state dir (its parent is a file) → exit 1 with a clear message', () => {
    const stateDir = makeStateDir();
    try {
      writeFileSync(join(stateDir, 'not-a-dir'), 'x');
      const result = spawnSync(process.execPath, [DAEMON_BIN, '--state-dir', join(stateDir, 'not-a-dir', 'state')], { encoding: 'utf8', timeout: 15_000 });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /state dir/i);
      assert.match(result.stderr, /not-a-dir/);
    } finally {
      removeStateDir(stateDir);
    }
  });

  test('SIGTERM during a slow run → run ends cancelled, daemon exits 0, journal verifies', async () => {
    const daemon = await startDaemon();
    try {
      const started = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: '@slow 100\n@tokens 500', wait: false }) });
      assert.equal(started.status, 202);
      const run = (await started.json()) as { run_id: string };
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await daemon.stop('SIGTERM'), 0);
      const verify = spawnSync(process.execPath, ['dist/bin/palyra.js', 'journal', 'verify', '--state-dir', daemon.stateDir], { encoding: 'utf8' });
      assert.equal(verify.status, 0, verify.stderr);
      assert.match(verify.stdout, /^ok \d+ events, head [0-9a-f]{64}/);
      const restarted = await startDaemon({ stateDir: daemon.stateDir });
      const record = (await (await restarted.admin(`/admin/v1/runs/${run.run_id}`)).json()) as { state: string; cancel_reason: string };
      assert.equal(record.state, 'cancelled');
      assert.equal(record.cancel_reason, 'daemon_shutdown');
      await restarted.stop();
    } finally {
      removeStateDir(daemon.stateDir);
    }
  });

  test('admin API without a token → 401 envelope; with a wrong token → 401', async () => {
    const daemon = await startDaemon();
    try {
      const none = await fetch(`${daemon.ready.http}/admin/v1/status`);
      assert.equal(none.status, 401);
      const body = (await none.json()) as Record<string, unknown>;
      assert.equal(body.code, 'unauthenticated');
      assert.equal(body.category, 'auth');
      assert.equal(body.retryable, false);
      const wrong = await fetch(`${daemon.ready.http}/admin/v1/status`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401);
      assert.ok(!daemon.output().includes(daemon.adminToken.slice(0, 12)) || daemon.output().split(daemon.adminToken).length === 2, 'token appears at most once (the first-start banner)');
    } finally {
      await daemon.stop();
      removeStateDir(daemon.stateDir);
    }
  });
});
