// The QUIC socket's intake: established connections' datagrams go first, a sender's order is kept, the queue is bounded; duplicated datagrams make one connection.
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { loadDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { loadOrCreateNodeIdentity, type NodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { DatagramIntake } from '../../src/transport/quic/datagram-intake.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir } from '../helpers/node-host.js';

const from = (port: number): RemoteInfo => ({ address: '127.0.0.1', family: 'IPv4', port, size: 0 });
/** A datagram whose first byte says long header (handshake) or short header (established), tagged for the test. */
const datagram = (header: 'long' | 'short', tag: string, size = 100) => Buffer.concat([Buffer.from([header === 'long' ? 0xc0 : 0x40]), Buffer.from(tag.padEnd(size - 1, '.'))]);
const tagOf = (data: Buffer) => data.subarray(1).toString().replace(/\.+$/, '');
const turn = () => new Promise((resolve) => setImmediate(resolve));

function recordingIntake(options: ConstructorParameters<typeof DatagramIntake>[1] = {}) {
  const handled: string[] = [];
  const intake = new DatagramIntake(async (data) => void handled.push(tagOf(data)), options);
  return { intake, handled };
}

describe('datagram intake', () => {
  test('short-header datagrams are handled before long-header ones that arrived earlier', async () => {
    const { intake, handled } = recordingIntake();
    intake.push(datagram('long', 'initial-a'), from(1001));
    intake.push(datagram('long', 'initial-b'), from(1002));
    intake.push(datagram('short', 'beat-c'), from(1003));
    intake.push(datagram('short', 'beat-d'), from(1004));
    await turn();
    assert.deepEqual(handled, ['beat-c', 'beat-d', 'initial-a', 'initial-b']);
  });

  test('a sender with a handshake datagram waiting → its short-header datagrams stay behind it', async () => {
    const { intake, handled } = recordingIntake();
    intake.push(datagram('long', 'a-finished'), from(1001));
    intake.push(datagram('short', 'a-first-request'), from(1001));
    intake.push(datagram('short', 'b-beat'), from(1002));
    await turn();
    assert.deepEqual(handled, ['b-beat', 'a-finished', 'a-first-request']);
    // Once the sender's handshake datagrams are handled, its short-header ones go first again.
    intake.push(datagram('long', 'c-initial'), from(1003));
    intake.push(datagram('short', 'a-beat'), from(1001));
    await turn();
    assert.deepEqual(handled.slice(3), ['a-beat', 'c-initial']);
  });

  test('each event-loop turn handles at most `perTurn` datagrams; the rest follow in later turns', async () => {
    const { intake, handled } = recordingIntake({ perTurn: 3 });
    for (let i = 0; i < 7; i += 1) intake.push(datagram('short', `d${i}`), from(1001));
    await turn();
    assert.equal(handled.length, 3);
    assert.equal(intake.queued, 4);
    await turn();
    await turn();
    assert.deepEqual(handled, ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    assert.equal(intake.queued, 0);
  });

  test('past `maxQueuedBytes` a datagram is dropped and counted; room made by handling is used again', async () => {
    let drops = 0;
    const { intake, handled } = recordingIntake({ maxQueuedBytes: 250, onDrop: () => (drops += 1) });
    intake.push(datagram('short', 'one'), from(1001));
    intake.push(datagram('short', 'two'), from(1001));
    intake.push(datagram('long', 'three'), from(1002));
    assert.equal(drops, 1);
    await turn();
    intake.push(datagram('long', 'four'), from(1002));
    await turn();
    assert.deepEqual(handled, ['one', 'two', 'four']);
  });

  test('a handler that rejects → onError, and the next datagrams are still handled', async () => {
    const errors: unknown[] = [];
    const handled: string[] = [];
    const intake = new DatagramIntake(
      async (data) => {
        if (tagOf(data) === 'bad') throw new Error('boom');
        handled.push(tagOf(data));
      },
      { onError: (error) => errors.push(error) },
    );
    intake.push(datagram('short', 'bad'), from(1001));
    intake.push(datagram('short', 'good'), from(1001));
    await turn();
    await turn();
    assert.deepEqual(handled, ['good']);
    assert.equal(String(errors[0]), 'Error: boom');
  });

  test('close → what is queued is dropped and nothing more is taken', async () => {
    const { intake, handled } = recordingIntake({ perTurn: 1 });
    intake.push(datagram('short', 'one'), from(1001));
    intake.push(datagram('short', 'two'), from(1001));
    await turn();
    intake.close();
    intake.push(datagram('short', 'three'), from(1001));
    await turn();
    assert.deepEqual(handled, ['one']);
    assert.equal(intake.queued, 0);
  });
});

/** A UDP relay between one client and the daemon that sends every client datagram to the daemon twice, back to back. */
async function duplicatingRelay(daemonPort: number): Promise<{ port: number; duplicated: () => number; close: () => void }> {
  const front: Socket = createSocket('udp4');
  const back: Socket = createSocket('udp4');
  let client: RemoteInfo | undefined;
  let duplicated = 0;
  front.on('message', (data, info) => {
    client = info;
    duplicated += 1;
    back.send(data, daemonPort, '127.0.0.1');
    back.send(data, daemonPort, '127.0.0.1');
  });
  back.on('message', (data) => {
    if (client) front.send(data, client.port, client.address);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  return { port: front.address().port, duplicated: () => duplicated, close: () => (front.close(), back.close()) };
}

describe('node RPC through a network that duplicates every datagram', () => {
  let daemon: TestDaemon;
  let dir: string;
  let identity: NodeIdentity;
  let link: NodeLink | undefined;

  before(async () => {
    daemon = await startDaemon();
    dir = makeNodeDir();
    await pairWithDaemon(daemon, dir);
    identity = loadOrCreateNodeIdentity(dir);
  });

  after(async () => {
    await link?.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeNodeDir(dir);
  });

  test('handshake and calls each arrive twice → the node connects and every call is answered', async () => {
    const relay = await duplicatingRelay(Number(daemon.ready.quic?.split(':').at(-1)));
    try {
      const pin = loadDaemonPin(dir);
      link = await dial({
        host: '127.0.0.1',
        port: relay.port,
        caFingerprint: pin.caFingerprint,
        clientCertificate: { privateKeyPem: identity.tls.privateKeyPem, certificatePem: identity.tls.certificatePem ?? '' },
        transport: 'quic',
        timeoutMs: 5_000,
      });
      const client = new NodeRpcClient(link, 5_000);
      for (let i = 0; i < 5; i += 1) {
        const beat = await client.heartbeat({ deviceId: { ulid: identity.deviceId }, sentAtUnixMs: Date.now(), runningTasks: 0 });
        assert.ok(beat.serverTimeUnixMs > 0);
      }
      assert.ok(relay.duplicated() >= 5, `the relay carried ${relay.duplicated()} client datagrams`);
      const metrics = await (await daemon.admin('/metrics')).text();
      assert.match(metrics, /^palyra_nodes_connected 1$/m);
      assert.doesNotMatch(daemon.output(), /QUIC datagram handling failed/);
    } finally {
      relay.close();
    }
  });
});
