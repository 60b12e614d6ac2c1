// Hostile datagrams (random, truncated, unknown version, 0-RTT and Handshake for unknown ids, short Initials) leave the daemon serving and never make it a reflector.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost } from '../../src/cli/node-host/node-host.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, waitForNode } from '../helpers/node-host.js';

/** RFC 9000 §17.2 long header: form=1, fixed=1, type (2 bits), reserved 0, packet-number length 1 byte. */
function longHeader(type: 0 | 1 | 2 | 3, options: { version?: number; dcid?: Buffer; scid?: Buffer; token?: Buffer; payload?: Buffer } = {}): Buffer {
  const dcid = options.dcid ?? randomBytes(8);
  const scid = options.scid ?? randomBytes(8);
  const payload = options.payload ?? randomBytes(15);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(options.version ?? 1);
  const packetNumber = Buffer.from([0x00]);
  const length = payload.length + packetNumber.length;
  const parts = [Buffer.from([0xc0 | (type << 4)]), version, Buffer.from([dcid.length]), dcid, Buffer.from([scid.length]), scid];
  // Only Initial packets carry a token (RFC 9000 §17.2.2).
  if (type === 0) parts.push(Buffer.from([(options.token ?? Buffer.alloc(0)).length]), options.token ?? Buffer.alloc(0));
  parts.push(Buffer.from([0x40 | (length >> 8), length & 0xff]), packetNumber, payload);
  return Buffer.concat(parts);
}

/** The 41-byte 0-RTT packet for an unknown connection id that crashed the unpatched library. */
function zeroRttPacket(): Buffer {
  const packet = longHeader(1);
  assert.equal(packet.length, 41);
  return packet;
}

function hostilePackets(): Array<{ name: string; bytes: Buffer }> {
  const zeroRtt = zeroRttPacket();
  return [
    { name: '0-RTT for an unknown connection id (41 bytes)', bytes: zeroRtt },
    { name: '0-RTT padded to 1200 bytes', bytes: Buffer.concat([zeroRtt, Buffer.alloc(1159)]) },
    { name: 'Handshake for an unknown connection id', bytes: longHeader(2) },
    { name: 'Retry-typed packet from a client', bytes: longHeader(3) },
    { name: 'Initial without a token, too short', bytes: longHeader(0) },
    { name: 'Initial with a forged token', bytes: Buffer.concat([longHeader(0, { token: randomBytes(40), payload: randomBytes(1100) })]) },
    { name: 'unknown version, small', bytes: longHeader(0, { version: 0x1a2a3a4a }) },
    { name: 'unknown version, 1200 bytes', bytes: longHeader(0, { version: 0x1a2a3a4a, payload: randomBytes(1200) }) },
    { name: 'version negotiation sent to the server', bytes: longHeader(0, { version: 0 }) },
    { name: 'truncated long header', bytes: zeroRtt.subarray(0, 9) },
    { name: 'long header with a 255-byte connection id length', bytes: Buffer.concat([Buffer.from([0xd0, 0, 0, 0, 1, 0xff]), randomBytes(30)]) },
    { name: 'short header for an unknown connection id', bytes: Buffer.concat([Buffer.from([0x40]), randomBytes(60)]) },
    { name: 'one byte', bytes: Buffer.from([0xc0]) },
    { name: 'empty datagram', bytes: Buffer.alloc(0) },
    ...Array.from({ length: 20 }, (_, i) => ({ name: `random ${i}`, bytes: randomBytes(1 + ((i * 97) % 1400)) })),
  ];
}

/** The 18-byte Initial of issue 10 (8-byte DCID, no SCID, empty token, one payload byte) that drew a 167-byte Retry. */
function shortInitial(): Buffer {
  return Buffer.concat([Buffer.from([0xc0, 0, 0, 0, 1, 8]), randomBytes(8), Buffer.from([0, 0, 0x01, 0])]);
}

/** An Initial without a token, padded to exactly `size` bytes. */
function initialOfSize(size: number): Buffer {
  const header = longHeader(0, { payload: Buffer.alloc(0) });
  const packet = longHeader(0, { payload: randomBytes(size - header.length) });
  assert.equal(packet.length, size);
  return packet;
}

/** Sends one datagram from a fresh socket and returns every datagram that comes back within `waitMs`. */
async function repliesTo(port: number, bytes: Buffer, waitMs = 500): Promise<Buffer[]> {
  const socket = createSocket('udp4');
  const replies: Buffer[] = [];
  socket.on('message', (message) => replies.push(message));
  try {
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve, reject) => socket.send(bytes, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return replies;
  } finally {
    socket.close();
  }
}

async function send(port: number, packets: Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  try {
    for (const bytes of packets) {
      await new Promise<void>((resolve, reject) => socket.send(bytes, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
    }
  } finally {
    socket.close();
  }
}

describe('crafted datagrams against the QUIC listener', () => {
  let daemon: TestDaemon;
  let nodeDir: string;
  let host: NodeHost;
  let deviceId: string;
  let port: number;

  before(async () => {
    daemon = await startDaemon();
    port = Number((daemon.ready.quic ?? '').split(':').pop());
    nodeDir = makeNodeDir();
    deviceId = (await pairWithDaemon(daemon, nodeDir)).deviceId;
    host = new NodeHost({ stateDir: nodeDir, config: DEFAULT_NODE_CONFIG, transport: 'quic', backoff: { initialMs: 50, maxMs: 500 } }).start();
    await waitForNode(daemon, deviceId, { connected: true });
  });

  after(async () => {
    await host.stop();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeNodeDir(nodeDir);
  });

  const assertServing = async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(daemon.process.exitCode, null, `daemon exited:\n${daemon.output()}`);
    // palyrad's last-resort handler would keep it alive; the patched library must not need it.
    assert.doesNotMatch(daemon.output(), /unhandled promise rejection/);
    const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability: 'echo', input: { still: 'up' } }) });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(((await response.json()) as { output: unknown }).output, { still: 'up' });
  };

  for (const packet of hostilePackets()) {
    test(`${packet.name} ×5 → daemon up, paired node still served`, async () => {
      await send(port, Array.from({ length: 5 }, () => packet.bytes));
      await assertServing();
    });
  }

  // RFC 9000 §14.1: an Initial in a datagram under 1,200 bytes is discarded; §8.1: at most 3× to an unvalidated address.
  test('the 18-byte Initial of issue 10 → no reply at all (it drew a 167-byte Retry)', async () => {
    const packet = shortInitial();
    assert.equal(packet.length, 18);
    assert.deepEqual(await repliesTo(port, packet), []);
  });

  test('an Initial without a token in a 1,199-byte datagram → no reply', async () => {
    assert.deepEqual(await repliesTo(port, initialOfSize(1_199)), []);
  });

  test('an Initial without a token in a 1,200-byte datagram → one Retry, at most 3× the datagram', async () => {
    const replies = await repliesTo(port, initialOfSize(1_200));
    assert.equal(replies.length, 1);
    const retry = replies[0] as Buffer;
    assert.equal(((retry[0] ?? 0) >> 4) & 0x3, 3, 'a Retry packet');
    assert.ok(retry.length <= 3 * 1_200, `${retry.length} bytes`);
  });

  test('every hostile datagram → no reply to one under 1,200 bytes, never more than 3× to a larger one', async () => {
    const results = await Promise.all(hostilePackets().map(async (packet) => ({ packet, replies: await repliesTo(port, packet.bytes) })));
    for (const { packet, replies } of results) {
      const sent = packet.bytes.length;
      const received = replies.reduce((sum, reply) => sum + reply.length, 0);
      if (sent < 1_200) assert.equal(received, 0, `${packet.name} (${sent} bytes) drew ${received} bytes`);
      else assert.ok(received <= 3 * sent, `${packet.name} (${sent} bytes) drew ${received} bytes`);
    }
  });

  test('a burst of 2,000 mixed hostile datagrams → daemon up, paired node still served', async () => {
    const all = hostilePackets().map((p) => p.bytes);
    await send(port, Array.from({ length: 2_000 }, (_, i) => all[i % all.length] as Buffer));
    await assertServing();
  });
});
