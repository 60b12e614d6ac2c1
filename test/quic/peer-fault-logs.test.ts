// Issue 10 item 3: what a peer does wrong (resets, bad frames, refused certificates, limits, a node's normal shutdown) never reaches error level; it is counted and summarised.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { DEFAULT_NODE_CONFIG } from '../../src/cli/node-host/node-config.js';
import { NodeHost } from '../../src/cli/node-host/node-host.js';
import { NodeRpcClient } from '../../src/cli/node-host/rpc-client.js';
import { loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { loadOrCreateNodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { encodeFrame } from '../../src/transport/quic/codec.js';
import { METHOD_PREFIX } from '../../src/transport/quic/methods.js';
import type { RpcStream } from '../../src/transport/quic/rpc-stream.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeNodeDir, pairWithDaemon, removeNodeDir, waitForNode } from '../helpers/node-host.js';

interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
  faults?: Record<string, number>;
  total?: number;
}

const ROUNDS = 10;

/** Reads a stream to its end; a daemon that never ends it gets it destroyed after 3 s. */
async function drain(stream: RpcStream): Promise<void> {
  const timer = setTimeout(() => stream.destroy(new Error('never ended')), 3_000);
  try {
    for await (const _ of stream.chunks) void _;
  } catch {
    // Destroyed: the assertions on the log still run.
  } finally {
    clearTimeout(timer);
  }
}

describe('peer faults in the daemon log', () => {
  let daemon: TestDaemon;
  let nodeDir: string;
  const dirs: string[] = [];
  const links: NodeLink[] = [];

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_LOG_LEVEL: 'debug' } });
    nodeDir = makeNodeDir();
    dirs.push(nodeDir);
    await pairWithDaemon(daemon, nodeDir);
  });

  after(async () => {
    await Promise.all(links.map((link) => link.close()));
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    for (const dir of dirs) removeNodeDir(dir);
  });

  test('resets, FIN-only streams, bad frames, foreign certificates, stream limits and node shutdowns → no error-level line, no stack trace; one summary of the faults', { timeout: 120_000 }, async () => {
    const pin = loadDaemonPin(nodeDir);
    const identity = loadOrCreateNodeIdentity(nodeDir);
    const connect = async (transport: 'quic' | 'tcp', clientCertificate: { privateKeyPem: string; certificatePem: string } | null = null) => {
      const link = await dial({ host: pin.host, port: pin.port, caFingerprint: pin.caFingerprint, clientCertificate, transport });
      links.push(link);
      return link;
    };
    const foreignDir = makeNodeDir();
    dirs.push(foreignDir);
    const foreign = await (await loadOrCreateDaemonCa(foreignDir)).issueDeviceCertificate({ deviceId: identity.deviceId, publicKeySpkiDer: identity.tls.publicKeySpkiDer, validityMs: 3_600_000, nowMs: Date.now() });

    for (const transport of ['quic', 'tcp'] as const) {
      // A paired node's normal shutdown resets its task channel.
      const host = new NodeHost({ stateDir: nodeDir, config: DEFAULT_NODE_CONFIG, transport });
      host.start();
      await waitForNode(daemon, identity.deviceId, { connected: true });
      await host.stop();

      const link = await connect(transport);
      for (let i = 0; i < ROUNDS; i += 1) {
        const reset = await link.openStream();
        await reset.write(Buffer.from([0, 0]));
        reset.destroy(new Error('peer gives up'));
        const finOnly = await link.openStream();
        await finOnly.end();
        const garbage = await link.openStream();
        await garbage.write(randomBytes(64));
        await garbage.end();
        const unknown = await link.openStream();
        await unknown.write(encodeFrame({ kind: 'request', method: `${METHOD_PREFIX}Nope`, payload: new Uint8Array() }));
        await unknown.end();
        await Promise.all([finOnly, garbage, unknown].map((stream) => drain(stream)));
      }
      const refused = await connect(transport, { privateKeyPem: identity.tls.privateKeyPem, certificatePem: foreign.certificatePem });
      await assert.rejects(new NodeRpcClient(refused, 5_000).heartbeat({ deviceId: { ulid: identity.deviceId }, sentAtUnixMs: 0, runningTasks: 0 }));
    }
    // More silent streams than a connection without a certificate may hold.
    const crowded = await connect('quic');
    const silent = await Promise.all(Array.from({ length: 8 }, async () => {
      const stream = await crowded.openStream();
      await stream.write(Buffer.from([0]));
      return stream;
    }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const stream of silent) stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    assert.equal(await daemon.stop(), 0);
    const lines = daemon
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    const loud = lines.filter((line) => line.level >= 50);
    assert.deepEqual(loud, [], 'no error-level line');
    assert.deepEqual(lines.filter((line) => line.err?.stack), [], 'no stack trace');
    const summaries = lines.filter((line) => line.msg === 'node RPC peer faults');
    assert.equal(summaries.length, 1, 'one summary (the window had not ended; shutdown flushed it)');
    const summary = summaries[0] as LogLine;
    assert.equal(summary.level, 30);
    assert.ok((summary.total ?? 0) >= 6 * ROUNDS, JSON.stringify(summary));
    for (const kind of ['cancelled', 'malformed_frame', 'unsupported_method', 'stream_limit']) assert.ok((summary.faults?.[kind] ?? 0) > 0, `${kind} counted: ${JSON.stringify(summary.faults)}`);
    const detailed = lines.filter((line) => line.msg === 'node RPC peer fault');
    assert.ok(detailed.length > 0 && detailed.length <= 20, `debug lines are capped per window: ${detailed.length}`);
  });
});
