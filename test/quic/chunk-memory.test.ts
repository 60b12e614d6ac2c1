// Received bytes keep only their own memory: QUIC stream chunks are exact-size, and frames are views of them, so what a connection keeps never pins a Buffer pool slab.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NodeLink } from '../../src/cli/node-host/dial.js';
import { loadOrCreateNodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { encodeFrame, type Frame, readFrames } from '../../src/transport/quic/codec.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { dialAsNode, makeNodeDir, pairWithDaemon, removeNodeDir } from '../helpers/node-host.js';

async function* chunksOf(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

const payloadOf = (frame: Frame) => (frame.kind === 'error' ? new Uint8Array() : frame.payload);

describe('frame reading', () => {
  test('two whole frames and half a third in one chunk, the rest in the next → three frames; the whole ones are views of the first chunk', async () => {
    const encoded = [Buffer.from('first'), Buffer.from('second'), Buffer.from('third, split across chunks')].map((payload) => encodeFrame({ kind: 'message', payload }));
    const all = Buffer.concat(encoded);
    const cut = (encoded[0]?.length ?? 0) + (encoded[1]?.length ?? 0) + 7;
    // Each chunk owns exactly its bytes, as the QUIC library's and sockets' chunks do.
    const firstChunk = new Uint8Array(all.subarray(0, cut));
    const secondChunk = new Uint8Array(all.subarray(cut));
    const frames: Frame[] = [];
    for await (const frame of readFrames(chunksOf(firstChunk, secondChunk))) frames.push(frame);
    assert.deepEqual(frames.map((frame) => Buffer.from(payloadOf(frame)).toString()), ['first', 'second', 'third, split across chunks']);
    assert.equal(payloadOf(frames[0]!).buffer, firstChunk.buffer, 'a frame within one chunk is not copied into a pooled buffer');
    assert.equal(payloadOf(frames[1]!).buffer, firstChunk.buffer);
  });

  test('a stream that ends inside a frame → malformed_frame', async () => {
    const frame = encodeFrame({ kind: 'message', payload: Buffer.from('cut short') });
    await assert.rejects(async () => {
      for await (const _ of readFrames(chunksOf(new Uint8Array(frame.subarray(0, frame.length - 2))))) void _;
    }, /middle of a frame/);
  });
});

describe('QUIC stream chunks from the daemon', () => {
  let daemon: TestDaemon;
  let dir: string;
  let link: NodeLink | undefined;

  before(async () => {
    daemon = await startDaemon();
    dir = makeNodeDir();
    await pairWithDaemon(daemon, dir);
  });

  after(async () => {
    await link?.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeNodeDir(dir);
  });

  test('every chunk read from a QUIC stream has memory of its own exact size (not a slice of a shared pool slab)', async () => {
    link = await dialAsNode(daemon, dir, loadOrCreateNodeIdentity(dir));
    const stream = await link.openStream();
    await stream.write(encodeFrame({ kind: 'request', method: 'palyra.node.v1.NodeService/NoSuchMethod', payload: new Uint8Array() }));
    await stream.end();
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream.chunks) chunks.push(chunk);
    assert.ok(chunks.length > 0, 'the daemon answered');
    for (const chunk of chunks) assert.equal(chunk.buffer.byteLength, chunk.byteLength, `a ${chunk.byteLength}-byte chunk sits in ${chunk.buffer.byteLength} bytes of memory`);
    const frames: Frame[] = [];
    for await (const frame of readFrames(chunksOf(...chunks))) frames.push(frame);
    assert.equal(frames[0]?.kind, 'error', 'an unknown method is answered with an error frame');
  });
});
