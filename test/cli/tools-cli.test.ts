// `palyra tools` against a real daemon: the policy's decision per tool, and docs/builtin-model.md kept true to it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface ToolRow {
  name: string;
  decision: 'allow' | 'ask' | 'deny';
  reason: string;
}

const WORDS: Record<ToolRow['decision'], string> = { allow: 'runs', ask: 'asks', deny: 'refused' };

/** The rows of the table under "## Which tools ask" in docs/builtin-model.md, as `name calls why` lines. */
function documentedTable(): string[] {
  const doc = readFileSync('docs/builtin-model.md', 'utf8');
  const section = doc.slice(doc.indexOf('## Which tools ask'), doc.indexOf('## The OpenAI-compatible provider'));
  return [...section.matchAll(/^\| `([a-z_.]+)` \| (\w+) \| (\w+) \|$/gm)].map((row) => `${row[1]} ${row[2]} ${row[3]}`);
}

async function tools(daemon: TestDaemon): Promise<ToolRow[]> {
  const result = await runCli(['--url', daemon.ready.http, '--token', daemon.adminToken, '--json', 'tools']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ToolRow[];
}

describe('palyra tools', () => {
  let daemon: TestDaemon;
  let configured: TestDaemon;

  before(async () => {
    // The browser service enabled (no session is opened, so no Chromium starts for this file's calls).
    [daemon, configured] = await Promise.all([
      startDaemon({ env: { PALYRA_BROWSER_ENABLED: 'true', PALYRA_BROWSER_EMBEDDED: 'false', PALYRA_BROWSER_ENDPOINT: '127.0.0.1:9' } }),
      startDaemon({ env: { PALYRA_TOOLS_ALLOW: 'palyra.http.fetch,palyra.process.run', PALYRA_TOOLS_DENY: 'palyra.sleep' } }),
    ]);
  });
  after(async () => {
    await Promise.all([daemon.stop(), configured.stop()]);
    removeStateDir(daemon.stateDir);
    removeStateDir(configured.stateDir);
  });

  test('default configuration → exactly the table in docs/builtin-model.md', async () => {
    const live = (await tools(daemon)).map((tool) => `${tool.name} ${WORDS[tool.decision]} ${tool.reason}`);
    assert.ok(live.length >= 30, live.join('\n'));
    assert.deepEqual(documentedTable(), live);
  });

  test('tools.allow / tools.deny → allowed tools run, denied are refused, process.run still asks', async () => {
    const byName = new Map((await tools(configured)).map((tool) => [tool.name, tool]));
    assert.deepEqual(byName.get('palyra.http.fetch'), { ...byName.get('palyra.http.fetch'), decision: 'allow', reason: 'allowed_by_config' });
    assert.deepEqual(byName.get('palyra.sleep'), { ...byName.get('palyra.sleep'), decision: 'deny', reason: 'denied_by_config' });
    assert.deepEqual(byName.get('palyra.process.run'), { ...byName.get('palyra.process.run'), decision: 'ask', reason: 'always_ask' });
    // The browser service is off here, so its tools are not offered at all.
    assert.equal([...byName.keys()].some((name) => name.startsWith('palyra.browser.')), false);
  });

  test('human output → aligned columns in words; a token without runs:read → permission denied', async () => {
    const human = await runCli(['--url', daemon.ready.http, '--token', daemon.adminToken, 'tools']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^TOOL +CALLS +WHY\n/);
    assert.match(human.stdout, /^palyra\.process\.run +asks +always_ask$/m);
    const created = await daemon.admin('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'status only', principal: 'user:status', scopes: ['status:read'] }) });
    assert.equal(created.status, 201, await created.clone().text());
    const { token } = (await created.json()) as { token: string };
    const refused = await runCli(['--url', daemon.ready.http, '--token', token, 'tools']);
    assert.equal(refused.code, 6, refused.stderr);
    assert.match(refused.stderr, /runs:read/);
  });
});
