// One run, two doors: started over HTTP and watched over gRPC, started over gRPC and watched (and approved) over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { type ConsoleSession, consoleLogin } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Clients, collect, connect, metadataFor, openRequest } from '../helpers/grpc-client.js';
import { collectSse } from '../helpers/sse.js';

describe('HTTP ⇄ gRPC on the same run', () => {
  let daemon: TestDaemon;
  let clients: Clients;
  let session: ConsoleSession;
  let admin: { token: string; principal: string; deviceId: string };

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_TOOLS_PROCESS_ALLOWED_COMMANDS: 'echo', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    clients = connect(daemon.ready.grpc);
    session = await consoleLogin(daemon);
    admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
  });
  after(async () => {
    clients.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('run started over HTTP, watched live over gRPC WatchRun from the start → the same seqs as the HTTP tape', async () => {
    const started = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt: '@tokens 30\n@slow 10', wait: false }) });
    const runId = ((await started.json()) as { run_id: string }).run_id;
    const watched = await collect(clients.gateway.watchRun({ v: 1, runId: { ulid: runId }, afterSeq: -1 }, metadataFor(admin)));
    assert.equal(watched.error, null);
    const tape = (await (await daemon.admin(`/admin/v1/runs/${runId}/tape?after_seq=-1&limit=1000`)).json()) as { events: { seq: number; event_type: string }[] };
    assert.deepEqual(watched.events.map((event) => event.seq), tape.events.map((event) => event.seq));
    assert.equal(watched.events.at(-1)?.body?.$case, 'status');
  });

  test('run started over gRPC RunStream, watched over SSE → the same seqs the gRPC stream got', async () => {
    const open = openRequest('@tokens 30\n@slow 10');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.end();
    const grpcResult = collect(stream);
    const runId = open.runId?.ulid as string;
    let sse: Response | undefined;
    for (let attempt = 0; attempt < 50 && sse?.status !== 200; attempt += 1) {
      if (sse) await sse.arrayBuffer();
      sse = await session.request(`/runs/${runId}/events`, { headers: { accept: 'text/event-stream' } });
      if (sse.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(sse?.status, 200);
    const frames = await collectSse((sse as Response).body as ReadableStream<Uint8Array>);
    const { events, error } = await grpcResult;
    assert.equal(error, null);
    assert.deepEqual(frames.map((frame) => Number(frame.id)), events.map((event) => event.seq));
  });

  test('approval requested by a gRPC RunStream run, decided over the console HTTP API → the gRPC stream gets the response and ends', async () => {
    const open = openRequest('@tool palyra.process.run {"command":"echo","args":["hi"]}');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.end();
    let decided: Promise<number> | undefined;
    const result = await collect(stream, (event) => {
      if (event.body?.$case === 'toolApprovalRequest' && !decided) {
        const approvalId = event.body.value.approvalId?.ulid as string;
        decided = session
          .request(`/approvals/${approvalId}/decision`, { method: 'POST', body: JSON.stringify({ approved: true, reason: 'from the console' }) })
          .then(async (response) => {
            await response.arrayBuffer();
            return response.status;
          });
      }
    });
    assert.equal(await decided, 200);
    assert.equal(result.error, null);
    const response = result.events.find((event) => event.body?.$case === 'toolApprovalResponse');
    assert.ok(response?.body?.$case === 'toolApprovalResponse' && response.body.value.approved);
    assert.equal(result.events.at(-1)?.body?.$case, 'status');
  });
});
