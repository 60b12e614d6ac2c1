// seq on the wire is the tape position: RunStream and WatchRun send every tape event, so seqs run 0, 1, 2, ... without gaps.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import type { RunStreamEvent } from '../../src/gen/palyra/common/v1/common.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { approvalRequest, type Clients, collect, connect, type Identity, metadataFor, openRequest } from '../helpers/grpc-client.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
const seqs = (events: RunStreamEvent[]) => events.map((event) => event.seq);

describe('gapless seq on RunStream and WatchRun', () => {
  let daemon: TestDaemon;
  let clients: Clients;
  let admin: Identity;
  /** A finished run with a tool call, an approval and two model turns, as its RunStream delivered it. */
  let run: { runId: string; events: RunStreamEvent[] };

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_TOOLS_PROCESS_ALLOWED_COMMANDS: 'echo' } });
    clients = connect(daemon.ready.grpc);
    admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
    const open = openRequest('@tool palyra.process.run {"command":"echo","args":["hi"]}');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    const { events, error } = await collect(stream, (event) => {
      if (event.body?.$case === 'toolApprovalRequest') {
        stream.write(approvalRequest(event.body.value.proposalId?.ulid as string, event.body.value.approvalId?.ulid as string, true));
      }
      if (event.body?.$case === 'status' && event.body.value.message === 'turn_completed') stream.end();
    });
    assert.equal(error, null);
    run = { runId: open.runId?.ulid as string, events };
  });
  after(async () => {
    clients.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('RunStream → seq 0..n without a gap, n = the tape length - 1; lifecycle events included', async () => {
    const last = run.events.at(-1)?.seq as number;
    assert.deepEqual(seqs(run.events), range(0, last));
    const tape = (await (await daemon.admin(`/admin/v1/runs/${run.runId}/tape?after_seq=-1&limit=1000`)).json()) as { events: { seq: number; event_type: string }[] };
    assert.equal(tape.events.length, run.events.length);
    const lifecycle = run.events.flatMap((event) => (event.body?.$case === 'lifecycle' ? [event.body.value.kind] : []));
    assert.deepEqual([...new Set(lifecycle)].sort(), ['agent_loop.terminated', 'agent_loop.turn_started', 'message.replied']);
    assert.deepEqual(
      run.events.map((event) => (event.body?.$case === 'lifecycle' ? event.body.value.kind : event.body?.$case)),
      tape.events.map((event) => (event.event_type.includes('.') ? event.event_type : run.events[event.seq]?.body?.$case)),
    );
    const replied = run.events.find((event) => event.body?.$case === 'lifecycle' && event.body.value.kind === 'message.replied')?.body;
    assert.ok(replied?.$case === 'lifecycle' && typeof JSON.parse(replied.value.payloadJson.toString()).reply_text === 'string');
  });

  test('WatchRun from -1 → the same events, seq 0..n', async () => {
    const watched = await collect(clients.gateway.watchRun({ v: 1, runId: { ulid: run.runId }, afterSeq: -1 }, metadataFor(admin)));
    assert.equal(watched.error, null);
    assert.deepEqual(seqs(watched.events), seqs(run.events));
    assert.deepEqual(watched.events, run.events);
  });

  test('WatchRun resumed from every after_seq of the finished run → exactly seq after_seq+1..n', async () => {
    const last = run.events.at(-1)?.seq as number;
    for (const afterSeq of range(0, last)) {
      const resumed = await collect(clients.gateway.watchRun({ v: 1, runId: { ulid: run.runId }, afterSeq }, metadataFor(admin)));
      assert.equal(resumed.error, null);
      assert.deepEqual(seqs(resumed.events), afterSeq === last ? [] : range(afterSeq + 1, last), `after_seq ${afterSeq}`);
    }
  });

  test('WatchRun joining a live run mid-way → contiguous from after_seq+1 to the final event', async () => {
    const open = openRequest('@slow 15\n@tokens 30');
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    stream.end();
    let watching: ReturnType<typeof collect> | undefined;
    const { events } = await collect(stream, (event) => {
      if (event.seq === 4) watching = collect(clients.gateway.watchRun({ v: 1, runId: open.runId, afterSeq: 2 }, metadataFor(admin)));
    });
    const watched = await (watching as ReturnType<typeof collect>);
    assert.equal(watched.error, null);
    assert.deepEqual(seqs(events), range(0, events.at(-1)?.seq as number));
    assert.deepEqual(seqs(watched.events), range(3, events.at(-1)?.seq as number));
  });
});
