// Node-side helpers for tests against a real daemon: pairing codes via the admin API, pairing in-process, node host
// processes, and a fixture of a daemon with a paired, connected node host.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDaemonPin } from '../../src/cli/node-host/daemon-pin.js';
import { dial, type NodeLink } from '../../src/cli/node-host/dial.js';
import { pairNode, type PairOutcome } from '../../src/cli/node-host/pair.js';
import type { NodeIdentity } from '../../src/infra/crypto/node-identity.js';
import { CLI_BIN, removeStateDir, type StartOptions, startDaemon, type TestDaemon } from './daemon.js';

export function makeNodeDir(): string {
  return mkdtempSync(join(tmpdir(), 'palyra-nodehost-'));
}

export function removeNodeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** POST /admin/v1/pairing/codes → the join string. */
export async function createJoinString(daemon: TestDaemon, body: { auto_approve?: boolean; ttl_seconds?: number } = {}): Promise<string> {
  const response = await daemon.admin('/admin/v1/pairing/codes', { method: 'POST', body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`pairing code: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { join_string: string }).join_string;
}

/** Approves the first pending pairing request (polling until there is one). */
export async function approvePending(daemon: TestDaemon, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await (await daemon.admin('/admin/v1/pairing/requests?state=pending')).json()) as { requests: Array<{ pairing_id: string }> };
    const first = list.requests[0];
    if (first) {
      const response = await daemon.admin(`/admin/v1/pairing/requests/${first.pairing_id}/approve`, { method: 'POST', body: JSON.stringify({ reason: 'test' }) });
      if (response.status !== 200) throw new Error(`approve: ${response.status} ${await response.text()}`);
      return first.pairing_id;
    }
    if (Date.now() > deadline) throw new Error('no pending pairing request appeared');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Pairs a node in-process with an auto-approve code (or with an operator approval when `approve`). */
export async function pairWithDaemon(daemon: TestDaemon, stateDir: string, options: { approve?: boolean; transport?: 'quic' | 'tcp' | 'auto' } = {}): Promise<PairOutcome> {
  const joinString = await createJoinString(daemon, { auto_approve: options.approve !== true });
  const paired = pairNode({ joinString, stateDir, transport: options.transport ?? 'quic', waitMs: 15_000 });
  if (options.approve) await approvePending(daemon);
  return paired;
}

/** Dials the daemon's QUIC port as `identity` (a paired node's certificate), pinned as the node in `pinDir` was at pairing. */
export function dialAsNode(daemon: TestDaemon, pinDir: string, identity: NodeIdentity): Promise<NodeLink> {
  const pin = loadDaemonPin(pinDir);
  return dial({
    host: pin.host,
    port: Number(daemon.ready.quic?.split(':').at(-1)),
    caFingerprint: pin.caFingerprint,
    clientCertificate: { privateKeyPem: identity.tls.privateKeyPem, certificatePem: identity.tls.certificatePem ?? '' },
    transport: 'quic',
    timeoutMs: 5_000,
  });
}

/** Waits until GET /admin/v1/nodes shows the device with `connected` as wanted. */
export async function waitForNode(daemon: TestDaemon, deviceId: string, want: { connected: boolean }, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await (await daemon.admin('/admin/v1/nodes')).json()) as { nodes: Array<{ device_id: string; connected: boolean; capabilities: unknown[] }> };
    const node = list.nodes.find((n) => n.device_id === deviceId);
    if (node && node.connected === want.connected && node.capabilities.length > 0) return;
    if (Date.now() > deadline) throw new Error(`node ${deviceId} did not reach connected=${want.connected}: ${JSON.stringify(node)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface NodeProcess {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Spawns the built `palyra node run` for a paired state dir. */
export function startNodeProcess(stateDir: string, args: string[] = []): NodeProcess {
  const child = spawn(process.execPath, [CLI_BIN, '--json', 'node', 'run', '--state-dir', stateDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** What POST /admin/v1/nodes/{device}/invoke answers. */
export interface InvokeWire {
  success: boolean;
  output: Record<string, unknown> | null;
  error: string;
}

export interface NodeHostFixture {
  daemon: TestDaemon;
  nodeDir: string;
  deviceId: string;
  node: NodeProcess;
  /** Invokes `capability` on the node as the admin; asserts the HTTP 200 and returns the task's result. */
  invoke(capability: string, input: unknown, extra?: Record<string, unknown>): Promise<InvokeWire>;
  /** Stops the node host and the daemon and removes both state dirs. */
  close(): Promise<void>;
}

/**
 * A real daemon and a paired `palyra node run` over QUIC, connected: with `nodeToml`, that text is the
 * node's node.toml (e.g. a [browser] section); without it the node runs on its defaults.
 */
export async function startNodeHost(options: { nodeToml?: string; daemon?: StartOptions } = {}): Promise<NodeHostFixture> {
  const daemon = await startDaemon(options.daemon);
  const nodeDir = makeNodeDir();
  let node: NodeProcess | undefined;
  const close = async () => {
    await node?.stop();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeNodeDir(nodeDir);
  };
  try {
    const { deviceId } = await pairWithDaemon(daemon, nodeDir);
    const args = ['--transport', 'quic'];
    if (options.nodeToml !== undefined) {
      const config = join(nodeDir, 'node.toml');
      writeFileSync(config, options.nodeToml);
      args.push('--config', config);
    }
    node = startNodeProcess(nodeDir, args);
    await waitForNode(daemon, deviceId, { connected: true });
    const invoke = async (capability: string, input: unknown, extra: Record<string, unknown> = {}): Promise<InvokeWire> => {
      const response = await daemon.admin(`/admin/v1/nodes/${deviceId}/invoke`, { method: 'POST', body: JSON.stringify({ capability, input, ...extra }) });
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as InvokeWire;
    };
    return { daemon, nodeDir, deviceId, node, invoke, close };
  } catch (error) {
    await close();
    throw error;
  }
}
