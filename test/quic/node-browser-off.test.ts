// A node whose node.toml does not enable [browser]: browser.* is not offered and invoking it is a clear refusal, before any queueing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestDaemon } from '../helpers/daemon.js';
import { type NodeHostFixture, startNodeHost } from '../helpers/node-host.js';

describe('browser capabilities on a node without [browser] enabled', () => {
  let host: NodeHostFixture;
  let daemon: TestDaemon;
  let deviceId: string;

  before(async () => {
    host = await startNodeHost({ daemon: { env: { PALYRA_BROWSER_ENABLED: 'false' } } });
    ({ daemon, deviceId } = host);
  });
  after(() => host?.close());

  test('no node.toml → no browser.* advertised; invoking browser.navigate → failed_precondition capability_unknown naming the capability', async () => {
    const list = (await (await daemon.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ device_id: string; capabilities: Array<{ name: string }> }> };
    const names = list.nodes.find((entry) => entry.device_id === deviceId)?.capabilities.map((capability) => capability.name) ?? [];
    assert.ok(names.includes('echo'));
    assert.ok(!names.some((name) => name.startsWith('browser.')), JSON.stringify(names));
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'browser.navigate', input: { url: 'http://127.0.0.2/' } }) });
    const body = (await response.json()) as { code: string; error: string };
    assert.equal(response.status, 412, JSON.stringify(body));
    assert.equal(body.code, 'failed_precondition');
    assert.equal(body.error, 'node does not offer capability browser.navigate');
  });
});
