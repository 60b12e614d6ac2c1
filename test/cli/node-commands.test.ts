// `palyra pairing …` and `palyra nodes …` against a real daemon over the admin HTTP API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let daemon: TestDaemon;

/** Runs the built `palyra` against the test daemon, with no PALYRA_* variables inherited. */
function palyra(...args: string[]): Promise<CliResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, '--url', daemon.ready.http, '--token', daemon.adminToken, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('palyra pairing and nodes', () => {
  before(async () => {
    daemon = await startDaemon();
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('pairing create --ttl 2m → exit 0, only the join string on stdout, expiry on stderr', async () => {
    const startedMs = Date.now();
    const result = await palyra('pairing', 'create', '--ttl', '2m');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^palyra-pair:v1:[0-9A-HJKMNP-TV-Z]{26}:[A-Za-z0-9_-]{43}:[0-9a-f]{64}:\S+:\d+\n$/);
    const expires = /expires (\S+);/.exec(result.stderr)?.[1];
    assert.ok(expires, result.stderr);
    const expiresMs = Date.parse(expires);
    assert.ok(expiresMs >= startedMs + 120_000 - 1_000 && expiresMs <= Date.now() + 120_000);
  });

  test('--json pairing create --auto-approve → one JSON document with the code fields', async () => {
    const result = await palyra('--json', 'pairing', 'create', '--auto-approve');
    assert.equal(result.code, 0, result.stderr);
    const code = JSON.parse(result.stdout) as { code_id: string; join_string: string; auto_approve: boolean; ca_fingerprint: string };
    assert.equal(code.auto_approve, true);
    assert.ok(code.join_string.includes(`:${code.code_id}:`));
    assert.ok(code.join_string.includes(`:${code.ca_fingerprint}:`));
    assert.equal(result.stderr, '');
  });

  test('pairing create --ttl soon → exit 2 (usage)', async () => {
    const result = await palyra('pairing', 'create', '--ttl', 'soon');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /duration/);
  });

  test('nodes list --json and pairing list --json with nothing paired → []', async () => {
    for (const args of [['nodes', 'list'], ['pairing', 'list', '--state', 'pending']]) {
      const result = await palyra('--json', ...args);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), []);
    }
  });

  test('nodes list (human) → a header row', async () => {
    const result = await palyra('nodes', 'list');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^DEVICE_ID\s+NAME\s+STATUS\s+PLATFORM\s+CAPABILITIES\s+TASKS\n$/);
  });

  test('pairing approve / nodes revoke / nodes invoke of unknown ids → exit 5 (not found)', async () => {
    for (const args of [['pairing', 'approve', newId()], ['pairing', 'reject', newId(), '--reason', 'x'], ['nodes', 'revoke', newId()], ['nodes', 'invoke', newId(), 'echo', '--input', '{"text":"hi"}', '--timeout', '5s']]) {
      const result = await palyra(...args);
      assert.equal(result.code, 5, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /not found/);
    }
  });

  test('nodes invoke with --input that is not JSON, a device id that is not a ULID, or --timeout past 120s → exit 2', async () => {
    assert.equal((await palyra('nodes', 'invoke', newId(), 'echo', '--input', '{oops')).code, 2);
    assert.equal((await palyra('nodes', 'invoke', newId(), 'echo', '--timeout', '121s')).code, 2);
    assert.equal((await palyra('nodes', 'invoke', 'laptop', 'echo')).code, 2);
  });

  test('a wrong token → exit 4', async () => {
    const result = await palyra('--token', 'wrong', 'pairing', 'list');
    assert.equal(result.code, 4);
  });
});
