// The daemon and the CLI on the Node.js running this suite (CI runs it on Node 24 and Node 22): a turn,
// SIGTERM and a database-opening CLI command end with exit 0 and no native abort (issue 9).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { isSupportedNode, MIN_NODE_VERSION } from '../../src/infra/runtime-check.js';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

// What a crashing native addon leaves on stderr: a C++ assertion, a V8/Node fatal error or a signal report.
const NATIVE_CRASH = /Assertion failed|FATAL ERROR|Segmentation fault|node::[A-Za-z]+::|core dumped/;

describe('isSupportedNode', () => {
  const cases: Array<[string, boolean]> = [
    ['20.20.2', false],
    ['22.11.0', false],
    [MIN_NODE_VERSION, true],
    ['22.23.5', true],
    ['24.22.3', true],
    ['26.0.0', true],
  ];
  for (const [version, supported] of cases) {
    test(`${version} → ${supported ? 'supported' : 'refused'}`, () => assert.equal(isSupportedNode(version), supported));
  }
});

describe(`palyrad and palyra on Node ${process.versions.node}`, () => {
  let daemon: TestDaemon;
  let exitCode: number | string;

  before(async () => {
    assert.ok(isSupportedNode(process.versions.node), `this suite must run on Node >= ${MIN_NODE_VERSION} (npm test uses node_modules/.bin/node)`);
    daemon = await startDaemon();
  });
  after(() => removeStateDir(daemon.stateDir));

  test('a turn with a tool call completes', async () => {
    const response = await daemon.admin('/admin/v1/runs', {
      method: 'POST',
      body: JSON.stringify({ prompt: '@tool palyra.echo {"text":"runtime"}' }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const run = (await response.json()) as { state: string; run_id: string };
    assert.equal(run.state, 'done');
    const tape = (await (await daemon.admin(`/admin/v1/runs/${run.run_id}/tape?after_seq=-1`)).json()) as { events: Array<{ event_type: string }> };
    assert.ok(tape.events.some((event) => event.event_type === 'tool_result'), JSON.stringify(tape.events.map((event) => event.event_type)));
  });

  test('SIGTERM → exit 0 with no native abort', async () => {
    exitCode = await daemon.stop('SIGTERM');
    assert.equal(exitCode, 0, daemon.output());
    assert.doesNotMatch(daemon.output(), NATIVE_CRASH);
  });

  test('palyra journal verify on the stopped daemon\'s state → exit 0, no native abort', () => {
    assert.equal(exitCode, 0, 'the daemon must have stopped first');
    const result = spawnSync(process.execPath, ['--expose-gc', CLI_BIN, 'journal', 'verify', '--state-dir', daemon.stateDir], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ok \d+ events, head [0-9a-f]{64}/);
    assert.doesNotMatch(result.stderr, NATIVE_CRASH);
  });
});
