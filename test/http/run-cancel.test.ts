// Cancelling a run over HTTP: a live run stops; a finished run is immutable and the answer says so (admin and console).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ConsoleSession, consoleLogin } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface RunWire {
  run_id: string;
  state: string;
  cancel_requested: boolean;
  cancel_reason: string | null;
  updated_at_unix_ms: number;
}

describe('POST /admin/v1/runs/:id/cancel and /console/v1/runs/:id/abort', () => {
  let daemon: TestDaemon;
  let session: ConsoleSession;
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    session = await consoleLogin(daemon);
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  async function finishedRun(): Promise<RunWire> {
    const response = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: 'hello' }) });
    assert.equal(response.status, 200);
    const run = (await response.json()) as RunWire;
    assert.equal(run.state, 'done');
    return run;
  }

  const stored = async (runId: string) => (await (await daemon.admin(`/admin/v1/runs/${runId}`)).json()) as RunWire;

  test('admin cancel of a run that finished done → 412 failed_precondition "already finished (done)"; the stored run is unchanged', async () => {
    const run = await finishedRun();
    const before = await stored(run.run_id);
    const response = await daemon.admin(`/admin/v1/runs/${run.run_id}/cancel`, { method: 'POST', body: JSON.stringify({ reason: 'too late' }) });
    assert.equal(response.status, 412);
    const body = (await response.json()) as { code: string; error: string; retryable: boolean };
    assert.deepEqual([body.code, body.error, body.retryable], ['failed_precondition', `run ${run.run_id} already finished (done); a finished run cannot be cancelled`, false]);
    assert.deepEqual(await stored(run.run_id), before);
    assert.equal(before.cancel_requested, false);
  });

  test('console abort of a finished run → the same 412; the stored run is unchanged', async () => {
    const run = await finishedRun();
    const before = await stored(run.run_id);
    const response = await session.request(`/runs/${run.run_id}/abort`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 412);
    assert.equal(((await response.json()) as { code: string }).code, 'failed_precondition');
    assert.deepEqual(await stored(run.run_id), before);
  });

  test('admin cancel of a live run → 200 cancel_requested with the reason; once it stopped → 412 (cancelled), the first reason kept', async () => {
    const started = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: '@tokens 500\n@slow 20', wait: false }) });
    const runId = ((await started.json()) as RunWire).run_id;
    const cancel = (reason: string) => daemon.admin(`/admin/v1/runs/${runId}/cancel`, { method: 'POST', body: JSON.stringify({ reason }) });
    const first = await cancel('enough');
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { run_id: runId, cancel_requested: true, reason: 'enough' });
    const deadline = Date.now() + 5_000;
    while ((await stored(runId)).state !== 'cancelled') {
      if (Date.now() > deadline) throw new Error('the run did not stop');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const late = await cancel('again');
    assert.equal(late.status, 412);
    assert.match(((await late.json()) as { error: string }).error, /already finished \(cancelled\)/);
    assert.equal((await stored(runId)).cancel_reason, 'enough');
  });
});
