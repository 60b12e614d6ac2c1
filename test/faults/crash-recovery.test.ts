// kill -9 during a burst of journal appends and runs: nothing acknowledged is lost, the chain verifies,
// interrupted runs end failed/daemon_restarted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const APPEND_WORKERS = 16;

async function appendUntilStopped(daemon: TestDaemon, acknowledged: Set<string>, stop: { now: boolean }): Promise<void> {
  let n = 0;
  while (!stop.now) {
    n += 1;
    try {
      const response = await daemon.admin('/admin/v1/journal/events', {
        method: 'POST',
        body: JSON.stringify({ kind: 'test.burst', actor: 'user', payload: { n, note: 'crash test', api_key: 'sk-should-be-redacted' } }),
      });
      if (response.status === 201) acknowledged.add(((await response.json()) as { event_id: string }).event_id);
    } catch {
      return; // the daemon died mid-request: that append was never acknowledged
    }
  }
}

async function allEventIds(daemon: TestDaemon): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let after = 0;
  for (;;) {
    const page = (await (await daemon.admin(`/admin/v1/journal/events?after_seq=${after}&limit=1000`)).json()) as {
      events: Array<{ seq: number; event_id: string; payload_json: string }>;
    };
    for (const event of page.events) ids.set(event.event_id, event.payload_json);
    if (page.events.length < 1000) return ids;
    after = page.events.at(-1)?.seq ?? after;
  }
}

describe('crash recovery', () => {
  test('SIGKILL mid-burst → restart: chain verifies, every acknowledged event present, runs failed/daemon_restarted', async () => {
    const daemon = await startDaemon();
    try {
      const runIds: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: `@slow 20\n@tokens 5000\nrun ${i}`, wait: false }) });
        assert.equal(response.status, 202);
        runIds.push(((await response.json()) as { run_id: string }).run_id);
      }
      const acknowledged = new Set<string>();
      const stop = { now: false };
      const workers = Array.from({ length: APPEND_WORKERS }, () => appendUntilStopped(daemon, acknowledged, stop));
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(await daemon.stop('SIGKILL'), 'SIGKILL');
      stop.now = true;
      await Promise.all(workers);
      assert.ok(acknowledged.size > 50, `only ${acknowledged.size} appends were acknowledged before the kill`);

      const verify = spawnSync(process.execPath, [CLI_BIN, 'journal', 'verify', '--state-dir', daemon.stateDir], { encoding: 'utf8' });
      assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);

      const restarted = await startDaemon({ stateDir: daemon.stateDir });
      try {
        const stored = await allEventIds(restarted);
        const missing = [...acknowledged].filter((id) => !stored.has(id));
        assert.deepEqual(missing, [], `${missing.length} acknowledged events are missing`);
        for (const id of acknowledged) assert.ok(!stored.get(id)?.includes('sk-should-be-redacted'), 'secret stored unredacted');
        for (const runId of runIds) {
          const run = (await (await restarted.admin(`/admin/v1/runs/${runId}`)).json()) as { state: string; failure_reason: string };
          assert.equal(run.state, 'failed');
          assert.equal(run.failure_reason, 'daemon_restarted');
          const tape = (await (await restarted.admin(`/admin/v1/runs/${runId}/tape?after_seq=-1&limit=1000`)).json()) as {
            events: Array<{ seq: number; event_type: string; payload: Record<string, unknown> }>;
          };
          assert.deepEqual(tape.events.map((event) => event.seq), tape.events.map((_, index) => index), 'tape has no gap');
          if (tape.events.length < 1000) assert.deepEqual(tape.events.at(-1)?.payload, { kind: 'failed', message: 'daemon_restarted' });
        }
        const online = (await (await restarted.admin('/admin/v1/journal/verify')).json()) as { ok: boolean; count: number };
        assert.equal(online.ok, true);
        assert.ok(online.count >= acknowledged.size);
      } finally {
        await restarted.stop();
      }
    } finally {
      removeStateDir(daemon.stateDir);
    }
  });
});
