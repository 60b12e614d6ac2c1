// palyra.process.run: allow-list, no shell, stripped environment, output caps, abort and timeout.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { after, describe, test } from 'node:test';
import { createProcessRunTool, KILL_GRACE_MS, MAX_OUTPUT_BYTES } from '../../src/core/tools/builtin/process-run.js';
import type { ToolContext, ToolOutcome } from '../../src/core/tools/tool.js';

interface RunOutput {
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  timed_out: boolean;
}

const node = process.execPath;
const tool = createProcessRunTool({ allowedCommands: [node, 'echo'] });
const tempDir = fs.realpathSync(fs.mkdtempSync(`${os.tmpdir()}/palyra-`));
after(() => fs.rmSync(tempDir, { recursive: true, force: true }));

function context(signal: AbortSignal = new AbortController().signal): ToolContext {
  return { runId: '01J0000000000000000000000R', sessionId: '01J0000000000000000000000S', owner: { principal: 'user:test', deviceId: '01J0000000000000000000000D', channel: null }, signal };
}

function runNode(script: string, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<ToolOutcome> {
  return tool.execute({ command: node, args: ['-e', script], ...extra }, context(signal));
}

const output = (outcome: ToolOutcome): RunOutput => outcome.output as RunOutput;

/** A killed orphan may linger as a zombie when PID 1 does not reap (containers); that is not alive. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

describe('palyra.process.run: refusals', () => {
  test('default empty allow-list → every call refused, nothing spawned', async () => {
    const marker = `${tempDir}/spawned`;
    const disabled = createProcessRunTool({ allowedCommands: [] });
    const outcome = await disabled.execute({ command: node, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`] }, context());
    assert.equal(outcome.success, false);
    assert.match(outcome.error ?? '', /disabled: the operator has allowed no commands \(tools\.process_allowed_commands in palyra\.toml\)/);
    assert.equal(fs.existsSync(marker), false);
  });

  test('command not in the allow-list → refused', async () => {
    const outcome = await tool.execute({ command: 'sh', args: ['-c', 'echo hi'] }, context());
    assert.equal(outcome.success, false);
    assert.match(outcome.error ?? '', /"sh" is not in the allowed commands \(tools\.process_allowed_commands in palyra\.toml\)/);
  });

  test('relative cwd → refused', async () => {
    const outcome = await tool.execute({ command: 'echo', args: [], cwd: 'tmp' }, context());
    assert.match(outcome.error ?? '', /cwd must be an absolute path/);
  });

  test('allowed command missing from PATH → could not start', async () => {
    const missing = createProcessRunTool({ allowedCommands: ['palyra-no-such-command'] });
    const outcome = await missing.execute({ command: 'palyra-no-such-command', args: [] }, context());
    assert.equal(outcome.success, false);
    assert.match(outcome.error ?? '', /could not start palyra-no-such-command: ENOENT/);
  });

  test('is always-ask and not read-only', () => {
    assert.equal(tool.alwaysAsk, true);
    assert.equal(tool.readOnly, false);
  });
});

describe('palyra.process.run: execution', () => {
  test('echo with shell metacharacters → printed literally, no shell', async () => {
    const outcome = await tool.execute({ command: 'echo', args: ['hello', '$HOME;', '`id`'] }, context());
    assert.equal(outcome.success, true);
    assert.deepEqual(output(outcome), {
      exit_code: 0,
      signal: null,
      stdout: 'hello $HOME; `id`\n',
      stderr: '',
      stdout_truncated: false,
      stderr_truncated: false,
      timed_out: false,
    });
  });

  test('node -e with cwd → runs there with only PATH, HOME and LANG in its environment', async () => {
    process.env['PALYRA_TEST_CANARY'] = 'leak';
    try {
      const outcome = await runNode('console.log(JSON.stringify({ cwd: process.cwd(), env: Object.keys(process.env) }))', { cwd: tempDir });
      assert.equal(outcome.success, true);
      const seen = JSON.parse(output(outcome).stdout) as { cwd: string; env: string[] };
      assert.equal(seen.cwd, tempDir);
      assert.ok(seen.env.every((name) => ['PATH', 'HOME', 'LANG'].includes(name)), seen.env.join(','));
    } finally {
      delete process.env['PALYRA_TEST_CANARY'];
    }
  });

  test('exit code 3 with stderr → success=false, both reported', async () => {
    const outcome = await runNode('console.error("bad"); process.exit(3)');
    assert.equal(outcome.success, false);
    assert.equal(outcome.error, 'exited with code 3');
    assert.equal(output(outcome).exit_code, 3);
    assert.equal(output(outcome).stderr, 'bad\n');
  });

  test('200000 bytes on each stream → each capped at 64 KiB and flagged', async () => {
    const outcome = await runNode("process.stdout.write('o'.repeat(200000)); process.stderr.write('e'.repeat(200000))");
    assert.equal(outcome.success, true);
    const result = output(outcome);
    assert.equal(result.stdout, 'o'.repeat(MAX_OUTPUT_BYTES));
    assert.equal(result.stderr, 'e'.repeat(MAX_OUTPUT_BYTES));
    assert.equal(result.stdout_truncated, true);
    assert.equal(result.stderr_truncated, true);
  });

  test('abort of a long-running process → SIGTERM, resolved within 500 ms', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const startedAt = performance.now();
    const outcome = await runNode('setInterval(() => {}, 1000)', {}, controller.signal);
    assert.equal(outcome.success, false);
    assert.equal(outcome.error, 'aborted');
    assert.equal(output(outcome).signal, 'SIGTERM');
    assert.ok(performance.now() - startedAt < 700);
  });

  test('abort of a process ignoring SIGTERM → SIGKILL after the grace period', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const startedAt = performance.now();
    const outcome = await runNode("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)", {}, controller.signal);
    const elapsed = performance.now() - startedAt;
    assert.equal(output(outcome).signal, 'SIGKILL');
    assert.ok(elapsed >= 500 + KILL_GRACE_MS - 50 && elapsed < 500 + KILL_GRACE_MS + 1_000, `elapsed ${elapsed}`);
  });

  // 2 s, not less: a Node child on a loaded 2-core CI machine can take most of a second to print its first line.
  test('timeout_ms=2000 on a long-running process → timed_out with output so far', async () => {
    const outcome = await runNode("console.log('started'); setInterval(() => {}, 1000)", { timeout_ms: 2000 });
    assert.equal(outcome.success, false);
    assert.equal(outcome.error, 'timed out after 2000 ms');
    assert.equal(output(outcome).timed_out, true);
    assert.equal(output(outcome).stdout, 'started\n');
  });

  test('abort also stops the children the command started', async () => {
    const controller = new AbortController();
    const pidFile = `${tempDir}/grandchild.pid`;
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000)`;
    setTimeout(() => controller.abort(), 500);
    await runNode(script, {}, controller.signal);
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(isAlive(grandchild), false);
  });

  test('command exits but a child it started keeps its output open → stopped at timeout_ms', async () => {
    const script = `require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' }); console.log('parent done')`;
    const startedAt = performance.now();
    const outcome = await runNode(script, { timeout_ms: 2000 });
    assert.ok(performance.now() - startedAt < 3_500);
    assert.equal(output(outcome).timed_out, true);
    assert.equal(output(outcome).stdout, 'parent done\n');
  });
});
