// palyrad's log format: readable lines for a person at a terminal, JSON lines for pipes and with --log-format json.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { cleanEnv } from '../helpers/cli.js';
import { DAEMON_BIN, makeStateDir, removeStateDir } from '../helpers/daemon.js';
import { startPty } from '../helpers/pty.js';

const stateDirs: string[] = [];
const EPHEMERAL = ['--http-port', '0', '--grpc-port', '0', '--quic-port', '0'];

/** palyrad on a pseudo-terminal until it is ready, then Ctrl-C; resolves with the screen and the exit code. */
async function daemonOnTerminal(extra: readonly string[]): Promise<{ screen: string; code: number | null }> {
  const stateDir = makeStateDir();
  stateDirs.push(stateDir);
  const pty = startPty([process.execPath, DAEMON_BIN, '--state-dir', stateDir, ...EPHEMERAL, ...extra], { ...cleanEnv(), PALYRA_BROWSER_ENABLED: 'false' });
  await pty.waitFor(/palyrad 0\.\d+\.\d+ is ready/);
  pty.type('\x03');
  const code = await pty.exited();
  return { screen: pty.screen(), code };
}

describe('palyrad log format', () => {
  after(() => stateDirs.forEach(removeStateDir));

  test('on a terminal by default → readable lines (time, level, message), no JSON objects, secrets still redacted', async () => {
    const { screen, code } = await daemonOnTerminal([]);
    assert.equal(code, 0, screen);
    assert.match(screen, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: palyrad ready \{.*"state_dir":/m);
    assert.match(screen, /^(\^C)?\[\d\d:\d\d:\d\d\.\d{3}\] INFO: shutting down \{"signal":"SIGINT"\}/m);
    assert.doesNotMatch(screen, /^\{"level":/m);
    const token = /admin token \(shown once[^\n]*\n\s+(\S+)/.exec(screen)?.[1];
    assert.ok(token, screen);
    assert.equal(screen.split(token).length - 1, 1, 'the admin token appears only in the banner, never in a log line');
  });

  test('on a terminal with --log-format json → one JSON object per log line', async () => {
    const { screen, code } = await daemonOnTerminal(['--log-format', 'json']);
    assert.equal(code, 0, screen);
    const messages = screen
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg?: string }).msg);
    assert.ok(messages.includes('palyrad ready'), screen);
    assert.doesNotMatch(screen, /\] INFO: /);
  });

  test('stdout piped → JSON lines (auto), without colour codes', async () => {
    const stateDir = makeStateDir();
    stateDirs.push(stateDir);
    const printed = await promisify(execFile)(process.execPath, [DAEMON_BIN, '--state-dir', stateDir, '--print-config'], { env: cleanEnv() });
    assert.match(printed.stdout, /^\[log\]\n(.*\n)*format = "auto"$/m);
    const child = spawn(process.execPath, [DAEMON_BIN, '--state-dir', stateDir, ...EPHEMERAL], { env: { ...cleanEnv(), PALYRA_BROWSER_ENABLED: 'false' }, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('"msg":"palyrad ready"')) resolve();
      }),
    );
    child.kill('SIGTERM');
    await once(child, 'close');
    const lines = stdout.trim().split('\n');
    assert.ok(lines.length >= 2, stdout);
    for (const line of lines) assert.equal(typeof (JSON.parse(line) as { level: number }).level, 'number', line);
    assert.doesNotMatch(stdout, /\x1b\[/);
  });

  test('an unknown --log-format → exit 1 naming the accepted values', async () => {
    const result = await promisify(execFile)(process.execPath, [DAEMON_BIN, '--state-dir', makeStateDir(), '--log-format', 'xml', '--print-config'], { env: cleanEnv() }).then(
      () => assert.fail('palyrad accepted --log-format xml'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /log\.format = "xml" \(from --log-format\)/);
    assert.match(result.stderr, /auto.*json.*pretty/s);
  });
});
