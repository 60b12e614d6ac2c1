// `palyra login`, `run`, `chat`, `sessions list`, `tokens` and `runs watch` against the real daemon over gRPC.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function palyra(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, PALYRA_ADMIN_TOKEN: '', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

describe('palyra gateway commands', () => {
  let daemon: TestDaemon;
  let configHome: string;
  let base: string[];

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_TOOLS_PROCESS_ALLOWED_COMMANDS: 'echo' } });
    configHome = mkdtempSync(join(tmpdir(), 'palyra-cli-'));
    base = ['--grpc', daemon.ready.grpc];
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    rmSync(configHome, { recursive: true, force: true });
  });

  test('run "<prompt>" → streams the reply and exits 0; --json → one JSON event per line ending with done', async () => {
    const text = await palyra([...base, '--token', daemon.adminToken, 'run', 'hello cli']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /You said: hello cli/);
    const json = await palyra([...base, '--token', daemon.adminToken, '--json', 'run', 'hello json']);
    assert.equal(json.code, 0, json.stderr);
    const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; kind?: string; seq: number });
    assert.equal(events[0]?.type, 'status');
    assert.equal(events.at(-1)?.kind, 'done');
    assert.ok(events.some((event) => event.type === 'model_token'));
  });

  test('chat with piped stdin → the approval is answered with "y", the tool runs, the run is done', async () => {
    const result = await palyra([...base, '--token', daemon.adminToken, '--json', 'chat'], { stdin: '@tool palyra.process.run {"command":"echo","args":["from-chat"]}\ny\n' });
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; success?: boolean; kind?: string; output_json?: string });
    assert.ok(events.some((event) => event.type === 'tool_approval_request'));
    const toolResult = events.find((event) => event.type === 'tool_result');
    assert.equal(toolResult?.success, true);
    assert.match(toolResult?.output_json ?? '', /from-chat/);
    assert.equal(events.at(-1)?.kind, 'done');
  });

  test('a script: run that asks nothing leaves stdin to the next command, which answers its approval', async () => {
    // As a pasted block or a `while read` loop: each command reads only what it needs.
    const script = '"$0" "$1" run "first, no tool"; "$0" "$1" run \'@tool palyra.process.run {"command":"echo","args":["second"]}\'; cat';
    const child = spawn('sh', ['-c', script, process.execPath, CLI_BIN], { env: { ...process.env, PALYRA_ADMIN_TOKEN: daemon.adminToken, PALYRA_GRPC: daemon.ready.grpc }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end('y\n');
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stdout, /You said: first, no tool/);
    assert.match(stderr, /approve palyra\.process\.run/);
    assert.match(stdout, /Tool palyra\.process\.run returned: .*second/);

    // Nothing asked: stdin is still whole for what follows.
    const untouched = spawn('sh', ['-c', '"$0" "$1" run "no tool"; cat', process.execPath, CLI_BIN], { env: { ...process.env, PALYRA_ADMIN_TOKEN: daemon.adminToken, PALYRA_GRPC: daemon.ready.grpc }, stdio: ['pipe', 'pipe', 'pipe'] });
    let rest = '';
    untouched.stdout.on('data', (chunk: Buffer) => (rest += chunk.toString()));
    untouched.stdin.end('line one\nline two\n');
    assert.equal(await new Promise((resolve) => untouched.on('close', resolve)), 0);
    assert.match(rest, /You said: no tool\n(.|\n)*line one\nline two\n$/);
  });

  test('login → a 0600 session file; later commands use it without --token', async () => {
    const env = { XDG_CONFIG_HOME: configHome };
    const login = await palyra([...base, '--token', daemon.adminToken, 'login', '--principal', 'admin:cli'], { env });
    assert.equal(login.code, 0, login.stderr);
    const file = join(configHome, 'palyra', 'session.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const run = await palyra([...base, 'run', 'after login'], { env });
    assert.equal(run.code, 0, run.stderr);
    const sessions = await palyra([...base, '--json', 'sessions', 'list'], { env });
    assert.equal(sessions.code, 0, sessions.stderr);
    assert.ok((JSON.parse(sessions.stdout) as unknown[]).length >= 1);
  });

  test('without any credential → exit 4 with a hint; tokens create / list / revoke round trip', async () => {
    const none = await palyra([...base, 'sessions', 'list'], { env: { XDG_CONFIG_HOME: join(configHome, 'empty') } });
    assert.equal(none.code, 4);
    assert.match(none.stderr, /palyra login/);
    const created = await palyra([...base, '--token', daemon.adminToken, '--json', 'tokens', 'create', 'ci', '--principal', 'user:ci', '--scope', 'runs:read']);
    assert.equal(created.code, 0, created.stderr);
    const { token_id: tokenId } = JSON.parse(created.stdout) as { token_id: string };
    const listed = await palyra([...base, '--token', daemon.adminToken, '--json', 'tokens', 'list']);
    assert.ok(listed.stdout.includes(tokenId));
    const revoked = await palyra([...base, '--token', daemon.adminToken, 'tokens', 'revoke', tokenId]);
    assert.equal(revoked.code, 0, revoked.stderr);
  });

  test('runs watch <run_id> --after-seq 1 → the events after seq 1; an unknown run → exit 5', async () => {
    const run = await palyra([...base, '--token', daemon.adminToken, '--json', 'run', 'watch me']);
    const runId = (JSON.parse(run.stdout.split('\n')[0] as string) as { run_id: string }).run_id;
    const watched = await palyra([...base, '--token', daemon.adminToken, '--json', 'runs', 'watch', runId, '--after-seq', '1']);
    assert.equal(watched.code, 0, watched.stderr);
    const seqs = watched.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { seq: number }).seq);
    assert.ok(seqs.every((seq) => seq > 1));
    const missing = await palyra([...base, '--token', daemon.adminToken, 'runs', 'watch', '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
    assert.equal(missing.code, 5);
  });
});
