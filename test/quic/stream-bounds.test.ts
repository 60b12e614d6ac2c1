// Issue 10 item 1: every stream ends (error frame, then close) on every path, and a connection without a paired certificate holds little and not for long.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { pairNode } from '../../src/cli/node-host/pair.js';
import { parseJoinString } from '../../src/core/devices/pairing-transcript.js';
import { encodeFrame, type Frame, readFrames } from '../../src/transport/quic/codec.js';
import { METHOD_PREFIX } from '../../src/transport/quic/methods.js';
import { QUIC_MAX_STREAMS_BIDI } from '../../src/transport/quic/quic-listener.js';
import type { RpcStream } from '../../src/transport/quic/rpc-stream.js';
import { UNAUTHENTICATED_LIMITS } from '../../src/transport/quic/unauthenticated-budget.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { approvePending, createJoinString, makeNodeDir, removeNodeDir } from '../helpers/node-host.js';

/** What came back on a stream: its frames, and whether the daemon finished its side (FIN) within `timeoutMs`. */
async function readAnswer(stream: RpcStream, timeoutMs: number): Promise<{ frames: Frame[]; ended: boolean }> {
  const frames: Frame[] = [];
  const timer = setTimeout(() => stream.destroy(new Error('no answer in time')), timeoutMs);
  try {
    for await (const frame of readFrames(stream.chunks)) frames.push(frame);
    return { frames, ended: true };
  } catch {
    return { frames, ended: false };
  } finally {
    clearTimeout(timer);
  }
}

const errorOf = (frames: Frame[]) => {
  const frame = frames[0];
  assert.equal(frames.length, 1, `one frame, got ${JSON.stringify(frames)}`);
  assert.equal(frame?.kind, 'error');
  return (frame as Extract<Frame, { kind: 'error' }>).error;
};

describe('stream and connection bounds before authentication', () => {
  let daemon: TestDaemon;
  let port: number;
  let caFingerprint: string;
  const links: NodeLink[] = [];
  const dirs: string[] = [];
  const connect = async (transport: 'quic' | 'tcp') => {
    const link = await dial({ host: '127.0.0.1', port, caFingerprint, clientCertificate: null, transport });
    links.push(link);
    return link;
  };

  before(async () => {
    daemon = await startDaemon();
    port = Number((daemon.ready.quic ?? '').split(':').pop());
    caFingerprint = parseJoinString(await createJoinString(daemon)).caFingerprint;
  });

  after(async () => {
    await Promise.all(links.map((link) => link.close()));
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    for (const dir of dirs) removeNodeDir(dir);
  });

  test(`quic: ${QUIC_MAX_STREAMS_BIDI + 8} streams that send only FIN → each gets invalid_argument malformed_frame and is closed; the connection still serves calls`, async () => {
    const link = await connect('quic');
    for (let i = 0; i < QUIC_MAX_STREAMS_BIDI + 8; i += 1) {
      const stream = await link.openStream();
      await stream.end();
      const answer = await readAnswer(stream, 3_000);
      assert.equal(answer.ended, true, `stream ${i} was answered and closed`);
      const error = errorOf(answer.frames);
      assert.equal(error.code, 'invalid_argument');
      assert.equal(error.reason, 'malformed_frame');
      stream.destroy();
    }
    // The stream credit came back: a real call on the same connection is still answered.
    const stream = await link.openStream();
    await stream.write(encodeFrame({ kind: 'request', method: `${METHOD_PREFIX}Nope`, payload: new Uint8Array() }));
    await stream.end();
    const answer = await readAnswer(stream, 3_000);
    assert.equal(errorOf(answer.frames).reason, 'unsupported_method');
  });

  test('tcp: a connection that sends only FIN → invalid_argument malformed_frame, then closed', async () => {
    const link = await connect('tcp');
    const stream = await link.openStream();
    await stream.end();
    const answer = await readAnswer(stream, 3_000);
    assert.equal(answer.ended, true);
    assert.equal(errorOf(answer.frames).reason, 'malformed_frame');
  });

  test(`quic, no certificate: ${UNAUTHENTICATED_LIMITS.maxStreams + 1} silent streams → the last refused at once (stream_limit); the connection is closed ${UNAUTHENTICATED_LIMITS.idleMs / 1000} s after its last answered call, while a pairing that keeps polling stays up`, async () => {
    const idle = await connect('quic');
    const openedAt = Date.now();
    const silent = await Promise.all(Array.from({ length: UNAUTHENTICATED_LIMITS.maxStreams }, async () => {
      const stream = await idle.openStream();
      // One byte of a length prefix: the stream is open and the daemon is waiting for the rest.
      await stream.write(Buffer.from([0]));
      return stream;
    }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const extra = await idle.openStream();
    await extra.write(Buffer.from([0]));
    const refused = await readAnswer(extra, 3_000);
    assert.equal(refused.ended, true);
    const error = errorOf(refused.frames);
    assert.equal(error.code, 'resource_exhausted');
    assert.equal(error.reason, 'stream_limit');

    // Meanwhile an honest node pairs on its own connection, approved only after the idle bound has passed.
    const dir = makeNodeDir();
    dirs.push(dir);
    const joinString = await createJoinString(daemon, { auto_approve: false });
    const pairing = pairNode({ joinString, stateDir: dir, transport: 'quic', waitMs: 60_000 });
    const approval = new Promise((resolve) => setTimeout(resolve, UNAUTHENTICATED_LIMITS.idleMs + 2_000)).then(() => approvePending(daemon));

    const timedOut = await Promise.all(silent.map((stream) => readAnswer(stream, 15_000)));
    for (const answer of timedOut) assert.equal(errorOf(answer.frames).code, 'deadline_exceeded');
    const closedAfterMs = await Promise.race([idle.closed.then(() => Date.now() - openedAt), new Promise<string>((resolve) => setTimeout(() => resolve('still open'), UNAUTHENTICATED_LIMITS.idleMs + 10_000))]);
    assert.ok(typeof closedAfterMs === 'number' && closedAfterMs >= UNAUTHENTICATED_LIMITS.idleMs - 500, `closed after ${String(closedAfterMs)} ms`);
    await approval;
    const paired = await pairing;
    assert.match(paired.certFingerprint, /^[0-9a-f]{64}$/);
  });
});
