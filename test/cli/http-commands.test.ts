// `palyra status`, `palyra runs get|tape|cancel` and `palyra journal verify --remote` against a real daemon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let daemon: TestDaemon;

/** Runs the built `palyra` with no PALYRA_* variables but the given ones. */
function palyra(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const remote = () => ['--url', daemon.ready.http, '--token', daemon.adminToken];

describe('palyra over the admin HTTP API', () => {
  let runId: string;
  before(async () => {
    daemon = await startDaemon();
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'hello cli' }) });
    runId = ((await response.json()) as { run_id: string }).run_id;
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('status --json → exit 0, the daemon status document', async () => {
    const result = await palyra([...remote(), '--json', 'status']);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as { service: string; listeners: { http: string } };
    assert.equal(status.service, 'palyrad');
    assert.equal(status.listeners.http, daemon.ready.http);
  });

  test('status (human) → lines with version, listeners and journal', async () => {
    const result = await palyra(['--url', daemon.ready.http, 'status'], { PALYRA_ADMIN_TOKEN: daemon.adminToken });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^palyrad \S+ \(pid \d+/);
    assert.match(result.stdout, /^journal\s+\d+ events/m);
  });

  test('status with a wrong token → exit 4 and a hint', async () => {
    const result = await palyra(['--url', daemon.ready.http, '--token', 'wrong', 'status']);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /^palyra: /);
    assert.match(result.stderr, /^hint: /m);
  });

  test('status with nothing listening → exit 3 (unavailable)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const result = await palyra(['--url', `http://127.0.0.1:${port}`, '--token', 'x', 'status']);
    assert.equal(result.code, 3);
  });

  test('runs get <id> --json → the run, state done', async () => {
    const result = await palyra([...remote(), '--json', 'runs', 'get', runId]);
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as { run_id: string; state: string };
    assert.deepEqual([run.run_id, run.state], [runId, 'done']);
  });

  test('runs get <id> (human) → times as ISO with their age and the duration, no raw epoch numbers', async () => {
    const result = await palyra([...remote(), 'runs', 'get', runId]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^created +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \((just now|\d+[smhd] ago)\)$/m);
    assert.match(result.stdout, /^finished +\d{4}-.*Z \(/m);
    assert.match(result.stdout, /^duration +\d+(\.\d)?(ms|s)$/m);
    assert.doesNotMatch(result.stdout, /unix_ms|\b1\d{12}\b/);
  });

  test('runs get <unknown id> → exit 5 (not found)', async () => {
    const result = await palyra([...remote(), 'runs', 'get', '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
    assert.equal(result.code, 5);
  });

  test('runs get <malformed id> → exit 2 (usage)', async () => {
    const result = await palyra([...remote(), 'runs', 'get', 'nope']);
    assert.equal(result.code, 2);
  });

  test('runs tape <id> → one line per event from seq 0; --after-seq pages on', async () => {
    const all = await palyra([...remote(), 'runs', 'tape', runId]);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trimEnd().split('\n');
    assert.match(lines[0] as string, /^\s+0\s+status\s+/);
    const later = await palyra([...remote(), '--json', 'runs', 'tape', runId, '--after-seq', '1', '--limit', '2']);
    const page = JSON.parse(later.stdout) as { events: { seq: number }[] };
    assert.deepEqual(page.events.map((event) => event.seq), [2, 3]);
  });

  test('runs cancel <id> --reason on a live run → exit 0, the reason echoed', async () => {
    const started = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: '@slow 20\n@tokens 500', wait: false }) });
    const liveId = ((await started.json()) as { run_id: string }).run_id;
    const result = await palyra([...remote(), 'runs', 'cancel', liveId, '--reason', 'from the cli']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /cancel requested for \S+ \(from the cli\)/);
  });

  test('runs cancel <id> on a finished run → exit 1, "already finished (done)"', async () => {
    const result = await palyra([...remote(), 'runs', 'cancel', runId, '--reason', 'too late']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already finished \(done\)/);
  });

  test('journal verify --remote --json → exit 0, ok with a count', async () => {
    const result = await palyra([...remote(), 'journal', 'verify', '--remote', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const verdict = JSON.parse(result.stdout) as { ok: boolean; count: number };
    assert.equal(verdict.ok, true);
    assert.ok(verdict.count > 0);
  });

  test('journal verify --remote (human) → "ok N events"', async () => {
    const result = await palyra([...remote(), 'journal', 'verify', '--remote']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ok \d+ events, head [0-9a-f]+/);
  });
});
