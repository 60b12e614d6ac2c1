// The README's "Try it" block, run as written against a real daemon: it must stay copy-pasteable end to end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv } from '../helpers/cli.js';
import { CLI_BIN, startDaemon, type TestDaemon } from '../helpers/daemon.js';

function tryItBlock(): string {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Try it'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'README has no bash block under "## Try it"');
  return block;
}

describe('README "Try it"', () => {
  let cwd: string;
  let daemon: TestDaemon;

  before(async () => {
    // The checkout as the README assumes it: the daemon's state in ./.palyra.
    cwd = mkdtempSync(join(tmpdir(), 'palyra-readme-'));
    mkdirSync(join(cwd, '.palyra'));
    daemon = await startDaemon({ stateDir: join(cwd, '.palyra') });
  });
  after(async () => {
    await daemon.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  test('the block runs as written (default ports → this daemon\'s) and shows each step', async () => {
    // Only the address differs from a default start; `npx palyra` is the built CLI on this Node.
    const script = tryItBlock().replaceAll('http://127.0.0.1:7142', daemon.ready.http);
    const prelude = `set -eu\nnpx() { shift; "${process.execPath}" "${CLI_BIN}" "$@"; }\n`;
    const env = { ...cleanEnv(), PALYRA_URL: daemon.ready.http, PALYRA_GRPC: daemon.ready.grpc, XDG_CONFIG_HOME: join(cwd, 'config') };
    const child = spawn('bash', ['-c', prelude + script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    const both = `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    assert.equal(code, 0, both);
    assert.match(stdout, /^palyrad \d+\.\d+\.\d+ \(pid \d+/m, both);
    assert.match(stdout, /^palyra\.http\.fetch +asks +side_effects$/m, both);
    assert.match(stdout, /You said: hello/, both);
    // Asked on stderr, answered "y" from stdin; the tool refuses the loopback address, naming the key.
    assert.match(stderr, /approve palyra\.http\.fetch .*\? \[y\]es/, both);
    assert.match(stdout + stderr, /tools\.http_allow_private/, both);
    // The approval found by run id and denied from the CLI; the run then ends done.
    assert.match(stdout, /^[0-9A-Z]{26}: deny$/m, both);
    assert.match(stdout, /returned: error: denied: not in this demo/, both);
    assert.match(stdout, /^state +done$/m, both);
    assert.match(stdout, /^ok \d+ events, head [0-9a-f]{64}$/m, both);
  });
});
