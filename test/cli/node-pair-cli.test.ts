// `palyra node pair` / `node run` as a person meets them: a spinner while an operator decides, the exact next command, one error when unpaired.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { approvePending, createJoinString, makeNodeDir, removeNodeDir, waitForNode } from '../helpers/node-host.js';
import { startPty } from '../helpers/pty.js';

describe('palyra node pair and node run (CLI)', () => {
  let daemon: TestDaemon;
  const nodeDirs: string[] = [];
  const nodeDir = () => {
    const dir = makeNodeDir();
    nodeDirs.push(dir);
    return dir;
  };

  before(async () => {
    daemon = await startDaemon();
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    nodeDirs.forEach(removeNodeDir);
  });

  test('on a terminal: a spinner names the approve command while waiting; done → the exact `node run` with --state-dir, which then serves', async (t) => {
    // A directory name with a space: the next command must quote it to be copy-pasteable.
    const dir = join(nodeDir(), 'my node');
    // CI set as on a CI runner: the spinner follows the terminal, not that variable.
    const pty = startPty([process.execPath, CLI_BIN, 'node', 'pair', await createJoinString(daemon), '--state-dir', dir, '--wait', '30'], { ...cleanEnv(), CI: 'true' });
    // A pairing left waiting would be approved by the next test in place of its own.
    t.after(() => void pty.process.kill('SIGKILL'));
    await pty.waitFor(/identity fingerprint [0-9a-f]{64}/);
    await pty.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for an operator to approve \(on the daemon host: palyra pairing approve ([0-9A-Z]{26})\)/);
    const pairingId = await approvePending(daemon);
    assert.match(pty.screen(), new RegExp(`palyra pairing approve ${pairingId}`));
    assert.equal(await pty.exited(), 0, pty.screen());
    const next = /paired as ([0-9A-Z]{26}) with 127\.0\.0\.1:\d+; next: (palyra node run --state-dir '.*my node')\n/.exec(pty.screen());
    assert.ok(next, pty.screen());
    assert.equal(next[2], `palyra node run --state-dir '${dir}'`);

    // The printed command, run as written (through a shell), serves this pairing.
    const node = spawn('sh', ['-c', `exec "$0" "$1" ${next[2].replace(/^palyra /, '')}`, process.execPath, CLI_BIN], { env: cleanEnv(), stdio: 'ignore' });
    try {
      await waitForNode(daemon, next[1] ?? '', { connected: true });
    } finally {
      node.kill('SIGTERM');
    }
  });

  test('stderr not a terminal: the waiting line once, no spinner frames or escape codes', async () => {
    const dir = nodeDir();
    const pairing = runCli(['node', 'pair', await createJoinString(daemon), '--state-dir', dir, '--wait', '30'], { timeoutMs: 30_000 });
    await approvePending(daemon);
    const { code, stdout, stderr } = await pairing;
    assert.equal(code, 0, stderr);
    assert.equal(stderr.match(/waiting for an operator to approve/g)?.length, 1, stderr);
    assert.doesNotMatch(stderr, /\x1b\[|⠋/);
    assert.match(stdout, new RegExp(`; next: palyra node run --state-dir ${dir.replace(/[.]/g, '\\.')}\\n$`));
  });

  test('--json → the result document only, no progress lines', async () => {
    const dir = nodeDir();
    const pairing = runCli(['--json', 'node', 'pair', await createJoinString(daemon, { auto_approve: true }), '--state-dir', dir], { timeoutMs: 30_000 });
    const { code, stdout, stderr } = await pairing;
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.match((JSON.parse(stdout) as { device_id: string }).device_id, /^[0-9A-Z]{26}$/);
  });

  test('node run on an unpaired state dir → the error once, a hint with that --state-dir, exit 1', async () => {
    const dir = nodeDir();
    const { code, stdout, stderr } = await runCli(['node', 'run', '--state-dir', dir]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr.match(/not paired/g)?.length, 1, stderr);
    assert.equal(stderr, `palyra: this node is not paired (no certificate in ${dir})\nhint: pair it first: palyra node pair <join-string> --state-dir ${dir} (\`palyra pairing create\` on the daemon host prints the join string)\n`);
  });
});
