// palyrad as a process: SIGTERM → orderly exit 0 (lock and ready file gone); a second daemon on the same state dir → exit 1.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));

let stateDir: string;
let readyFile: string;
let daemon: ChildProcess;

function daemonArgs(): string[] {
  return ['--import', 'tsx', 'src/bin/palyrad.ts', '--state-dir', stateDir, '--http-port', '0', '--grpc-port', '0', '--quic-port', '0', '--log-level', 'warn'];
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (daemon.exitCode !== null) assert.fail(`palyrad exited with ${daemon.exitCode} before ${what}`);
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'palyra-'));
  readyFile = join(stateDir, 'ready.json');
  daemon = spawn(process.execPath, [...daemonArgs(), '--ready-file', readyFile], { cwd: ROOT, env: ENV, stdio: 'ignore' });
  await waitFor(() => existsSync(readyFile), 'the ready file');
});

after(() => {
  if (daemon.exitCode === null) daemon.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

test('second palyrad on a locked state dir → exit 1 naming the running pid', () => {
  const result = spawnSync(process.execPath, daemonArgs(), { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 1);
  const pid = readFileSync(join(stateDir, 'palyrad.lock'), 'utf8').trim();
  assert.equal(pid, String(daemon.pid));
  assert.ok(result.stderr.includes(`palyrad: another palyrad (pid ${pid}) is using state dir ${stateDir}`), result.stderr);
  assert.match(result.stderr, /^hint: /m);
});

test('SIGTERM → exit 0, lock file and ready file removed', async () => {
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  daemon.kill('SIGTERM');
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('palyrad did not exit within 20 s')), 20_000).unref());
  assert.equal(await Promise.race([exited, timeout]), 0);
  assert.equal(existsSync(join(stateDir, 'palyrad.lock')), false);
  assert.equal(existsSync(readyFile), false);
});
