// Gateway limits: oversize messages, concurrent runs per principal, concurrent streams per connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import pino from 'pino';
import { newId } from '../../src/core/ids.js';
import { createGrpcServer } from '../../src/transport/grpc/server.js';
import { createCoreFixture, TEST_ADMIN_TOKEN } from '../helpers/core-fixture.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { callError, type Clients, collect, connect, metadataFor, openRequest, turnRequest } from '../helpers/grpc-client.js';

describe('gateway limits', () => {
  let daemon: TestDaemon;
  let c: Clients;
  let admin: { token: string };

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_RUNS_MAX_CONCURRENT_PER_PRINCIPAL: '2' } });
    c = connect(daemon.ready.grpc, { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    admin = { token: daemon.adminToken };
  });
  after(async () => {
    c.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('a RunStream message over 4 MiB mid-stream → FAILED status then OUT_OF_RANGE; the daemon keeps serving', async () => {
    const stream = c.gateway.runStream(metadataFor(admin));
    stream.write(openRequest('@slow 50\n@tokens 20'));
    stream.write(turnRequest('x'.repeat(5 * 1024 * 1024)));
    const { events, error } = await collect(stream);
    assert.equal(error?.code, status.OUT_OF_RANGE);
    assert.match(error?.details ?? '', /4194304-byte limit/);
    const last = events.at(-1)?.body;
    assert.equal(last?.$case, 'status');
    const health = await callError(c.gateway, c.gateway.getRun, { v: 1, runId: { ulid: newId() } }, admin);
    assert.equal(health.code, status.NOT_FOUND);
  });

  test('a unary message over 8 MiB → RESOURCE_EXHAUSTED from the transport, promptly', async () => {
    const error = await callError(c.gateway, c.gateway.abortRun, { v: 1, runId: { ulid: newId() }, reason: 'x'.repeat(9 * 1024 * 1024) }, admin);
    assert.equal(error.code, status.RESOURCE_EXHAUSTED);
  });

  test('a third concurrent run of one principal → RESOURCE_EXHAUSTED before any event; after one ends, a new run is accepted', async () => {
    const slow = () => {
      const stream = c.gateway.runStream(metadataFor(admin));
      stream.write(openRequest('@slow 100\n@tokens 5'));
      stream.end();
      return collect(stream);
    };
    const first = slow();
    const second = slow();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await collect((() => {
      const stream = c.gateway.runStream(metadataFor(admin));
      stream.write(openRequest('hello'));
      stream.end();
      return stream;
    })());
    assert.equal(third.error?.code, status.RESOURCE_EXHAUSTED);
    assert.equal(third.events.length, 0);
    assert.equal((await first).error, null);
    await second;
    const fourth = await slow();
    assert.equal(fourth.error, null);
  });
});

describe('concurrent streams per connection', () => {
  test('streams beyond max_concurrent_streams are not served at once; every call still completes', async () => {
    const fixture = createCoreFixture();
    const server = createGrpcServer({ core: fixture.core, info: { version: 't', startedAtMs: Date.now() }, logger: pino({ level: 'silent' }), limits: { maxConcurrentStreams: 2 } });
    const port = await server.listen('127.0.0.1', 0);
    const c = connect(`127.0.0.1:${port}`);
    try {
      const identity = { token: TEST_ADMIN_TOKEN };
      const opened: number[] = [];
      const runs = [0, 1, 2].map((index) => {
        const stream = c.gateway.runStream(metadataFor(identity));
        stream.write(openRequest('@slow 150\n@tokens 3'));
        stream.end();
        return collect(stream, (event) => {
          if (event.seq === 0) opened.push(index);
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(opened.length, 2, 'the third stream waits for a free slot');
      const results = await Promise.all(runs);
      assert.ok(results.every((result) => result.error === null));
    } finally {
      c.close();
      await server.close(100);
      await fixture.close();
    }
  });
});
