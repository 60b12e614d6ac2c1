// Node task durability: a daemon killed (SIGKILL) in the middle of an invoke load loses no task it answered, and its journal chain verifies.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadDaemonPin, saveDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost } from '../../src/cli/node-host/node-host.js';
import { DB_FILE_NAME, openDb } from '../../src/infra/store/db.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, waitForNode } from '../helpers/node-host.js';

const IN_FLIGHT = 8;
const KILL_AFTER_ANSWERS = 60;

describe('node tasks across a daemon killed mid-load', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('SIGKILL with invokes in flight → after restart every answered task is stored as succeeded with its journal event, and the chain verifies', async () => {
    const first = await startDaemon();
    const { stateDir } = first;
    cleanups.push(() => removeStateDir(stateDir));
    cleanups.push(async () => {
      await first.stop('SIGKILL');
    });
    const dir = makeNodeDir();
    cleanups.push(() => removeNodeDir(dir));
    const { deviceId } = await pairWithDaemon(first, dir);
    const host = new NodeHost({ stateDir: dir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: { initialMs: 50, maxMs: 300 } }).start();
    cleanups.push(() => host.stop());
    await waitForNode(first, deviceId, { connected: true });

    const answered: Array<{ taskId: string; n: number }> = [];
    let sent = 0;
    let killed: Promise<unknown> | null = null;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (!killed) {
          const n = (sent += 1);
          const response = await first.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { n } }) }).catch(() => null);
          if (response?.status !== 200) return;
          const body = (await response.json().catch(() => null)) as { task_id: string } | null;
          if (!body) return;
          answered.push({ taskId: body.task_id, n });
          // Killed while the other callers' tasks are queued, delivered or finishing.
          if (answered.length === KILL_AFTER_ANSWERS) killed = first.stop('SIGKILL');
        }
      }),
    );
    await killed;
    assert.equal(answered.length >= KILL_AFTER_ANSWERS, true);
    await host.stop();

    const second = await startDaemon({ stateDir });
    cleanups.push(async () => {
      await second.stop();
    });
    for (const { taskId } of answered) {
      const view = (await (await second.admin(`/admin/v1/nodes/tasks/${taskId}`)).json()) as { task: { state: string } };
      assert.equal(view.task.state, 'succeeded', `answered task ${taskId} is stored as succeeded`);
    }
    const verdict = (await (await second.admin('/admin/v1/journal/verify')).json()) as { ok: boolean };
    assert.equal(verdict.ok, true, 'the journal chain verifies after the kill');
    const db = openDb(join(stateDir, DB_FILE_NAME), { readonly: true });
    try {
      const journaled = new Set(
        (db.prepare("SELECT json_extract(payload_json, '$.task_id') AS id FROM journal_events WHERE kind = 'node.task_finished'").all() as Array<{ id: string }>).map((row) => row.id),
      );
      assert.deepEqual(answered.filter(({ taskId }) => !journaled.has(taskId)), [], 'each answered task has its node.task_finished event');
    } finally {
      db.close();
    }

    // Tasks the kill caught after their queued row committed are queued again and run once the node is back.
    const pin = loadDaemonPin(dir);
    saveDaemonPin(dir, { ...pin, port: Number((second.ready.quic ?? '').split(':').pop()) });
    const again = new NodeHost({ stateDir: dir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: { initialMs: 50, maxMs: 300 } }).start();
    cleanups.push(() => again.stop());
    await waitForNode(second, deviceId, { connected: true });
    const response = await second.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { after: true } }) });
    assert.equal(response.status, 200, 'the restarted daemon serves invokes');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const list = (await (await second.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ queued_tasks: number; running_tasks: number }> };
      if (list.nodes.every((node) => node.queued_tasks + node.running_tasks === 0)) break;
      assert.equal(Date.now() < deadline, true, 'the recovered tasks ran');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
