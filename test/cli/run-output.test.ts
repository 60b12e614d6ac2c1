// What `palyra run`, `runs list` and `runs watch` show a person, and a closed stdout (`| head`) ending quietly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

describe('palyra run / runs list / runs watch output', () => {
  let daemon: TestDaemon;
  let home: string;
  let target: string[];
  let firstRun: string;
  const env = () => ({ XDG_CONFIG_HOME: home });

  before(async () => {
    daemon = await startDaemon();
    home = mkdtempSync(join(tmpdir(), 'palyra-run-out-'));
    target = ['--url', daemon.ready.http, '--grpc', daemon.ready.grpc, '--token', daemon.adminToken];
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    rmSync(home, { recursive: true, force: true });
  });

  test('run (human) → the reply on stdout; the run id first and a summary last on stderr', async () => {
    const result = await runCli([...target, 'run', 'show me the id'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'You said: show me the id\n');
    const match = new RegExp(`^run (${ULID})\\n(?:.*\\n)*run \\1 done \\(\\d+ tokens, 0 tool calls, [\\d.]+m?s\\)\\n$`).exec(result.stderr);
    assert.ok(match, result.stderr);
    firstRun = match[1] as string;
  });

  test('run with a tool → the call and its result are readable lines, not JSON events', async () => {
    const result = await runCli([...target, 'run', '@tool palyra.echo {"text":"readable"}'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^→ palyra\.echo \{"text":"readable"\}$/m);
    assert.match(result.stderr, /^← ok .*readable/m);
    assert.match(result.stderr, /done \(\d+ tokens, 1 tool call, /);
  });

  test('run --json | head -1 → exit 0 and nothing on stderr (no EPIPE trace)', () => {
    const long = Array.from({ length: 400 }, (_, index) => `w${index}`).join(' ');
    const script = `set -o pipefail; "${process.execPath}" "${CLI_BIN}" ${target.map((word) => `'${word}'`).join(' ')} --json run '${long}' 2>"$ERR" | head -1 >/dev/null`;
    const errFile = join(home, 'epipe.err');
    const result = spawnSync('bash', ['-c', `${script}; echo "exit=$?"; cat "$ERR"`], { env: { ...process.env, XDG_CONFIG_HOME: home, ERR: errFile }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.stdout, 'exit=0\n', result.stdout + result.stderr);
  });

  test('runs list → a table newest first with state, age and duration; --state filters; --limit pages with a next command', async () => {
    const table = await runCli([...target, 'runs', 'list'], { env: env() });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^RUN_ID\s+STATE\s+PRINCIPAL\s+STARTED\s+TOOK\s+TOKENS\s+ERROR$/);
    assert.ok(lines.length >= 3, table.stdout);
    assert.match(table.stdout, new RegExp(`^${firstRun}\\s+done\\s+admin:\\S+\\s+(just now|\\d+s ago)\\s+[\\d.]+m?s\\s+\\d+\\s+-$`, 'm'));
    const failed = await runCli([...target, '--json', 'runs', 'list', '--state', 'failed,cancelled'], { env: env() });
    assert.deepEqual((JSON.parse(failed.stdout) as { runs: unknown[] }).runs, []);
    const paged = await runCli([...target, 'runs', 'list', '--limit', '1'], { env: env() });
    const next = /^more: palyra runs list --after (\S+)$/m.exec(paged.stderr)?.[1];
    assert.ok(next, paged.stderr);
    const second = await runCli([...target, '--json', 'runs', 'list', '--limit', '1', '--after', next], { env: env() });
    const secondPage = JSON.parse(second.stdout) as { runs: { run_id: string }[] };
    assert.equal(secondPage.runs.length, 1);
    assert.notEqual(secondPage.runs[0]?.run_id, next);
  });

  test('runs list --state bogus → exit 2 naming the allowed states', async () => {
    const result = await runCli([...target, 'runs', 'list', '--state', 'bogus'], { env: env() });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /accepted, in_progress, done, failed, cancelled/);
  });

  test('runs watch (human) → rendered like run: the reply text and the summary', async () => {
    const result = await runCli([...target, 'runs', 'watch', firstRun], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'You said: show me the id\n');
    assert.match(result.stderr, new RegExp(`run ${firstRun} done`));
  });
});
