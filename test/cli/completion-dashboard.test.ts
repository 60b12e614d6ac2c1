// `palyra completion` scripts that load in bash and complete commands, subcommands and options; `palyra dashboard` opens the console URL.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('palyra completion and dashboard', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'palyra-completion-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('completion bash → loads in bash; completes commands after a global option, subcommands and options', async () => {
    const result = await runCli(['completion', 'bash']);
    assert.equal(result.code, 0, result.stderr);
    const script = join(dir, 'palyra.bash');
    writeFileSync(script, result.stdout);
    const complete = (words: string[]) => {
      const program = `source ${script}; COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _palyra; echo "\${COMPREPLY[*]}"`;
      const run = spawnSync('bash', ['-c', program], { encoding: 'utf8' });
      assert.equal(run.stderr, '');
      return run.stdout.trim();
    };
    assert.equal(complete(['palyra', '--url', 'http://127.0.0.1:1', 'ru']), 'run runs');
    assert.equal(complete(['palyra', 'runs', 'l']), 'list');
    assert.equal(complete(['palyra', 'runs', 'list', '--st']), '--state');
    assert.equal(complete(['palyra', 'nodes', 'inv']), 'invoke');
  });

  test('completion zsh and fish → scripts naming every top-level command; an unknown shell → exit 2', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    assert.match(zsh.stdout, /bashcompinit/);
    const fish = await runCli(['completion', 'fish']);
    for (const name of ['status', 'runs', 'nodes', 'dashboard']) assert.match(fish.stdout, new RegExp(`-a '${name}'`));
    const bad = await runCli(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
  });

  test('dashboard → prints the console URL and hands it to $BROWSER; --no-open only prints', async () => {
    const seen = join(dir, 'opened.txt');
    const browser = join(dir, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho "$1" > ${seen}\n`);
    chmodSync(browser, 0o755);
    const result = await runCli(['--url', 'http://127.0.0.1:7999', 'dashboard'], { env: { BROWSER: browser, XDG_CONFIG_HOME: dir } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'http://127.0.0.1:7999/\n');
    for (let waited = 0; waited < 50 && spawnSync('test', ['-s', seen]).status !== 0; waited += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(readFileSync(seen, 'utf8').trim(), 'http://127.0.0.1:7999/');
    const quiet = await runCli(['--url', 'http://127.0.0.1:7999', 'dashboard', '--no-open'], { env: { XDG_CONFIG_HOME: dir } });
    assert.equal(quiet.stdout, 'http://127.0.0.1:7999/\n');
  });
});
