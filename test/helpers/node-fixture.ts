// A real core with node RPC (daemon CA, SQLite device and task stores) in a temp dir, a movable clock,
// and helpers that pair a node the way `palyra node pair` will (own keys, proof, signed status poll).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CallContext, createContext } from '../../src/core/context.js';
import type { BeginPairingInput } from '../../src/core/devices/pairing.js';
import { pairingCodeKey, pairingProof, parseJoinString } from '../../src/core/devices/pairing-transcript.js';
import { CoreError, type ErrorCode } from '../../src/core/errors.js';
import { type Core, createCore, type NodeRpcDeps } from '../../src/core/index.js';
import { newId } from '../../src/core/ids.js';
import type { NodeTaskDelivery, TaskSink } from '../../src/core/nodes/task-queue.js';
import { createBuiltinTools } from '../../src/core/tools/builtin/index.js';
import { type DaemonCa, loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { pemToDer } from '../../src/infra/crypto/fingerprint.js';
import { loadOrCreateNodeIdentity, type NodeIdentity, signPairingStatus } from '../../src/infra/crypto/node-identity.js';
import { createBuiltinModel } from '../../src/infra/models/builtin-model.js';
import { DB_FILE_NAME, type Db, openDb } from '../../src/infra/store/db.js';
import { createSqliteStores } from '../../src/infra/store/sqlite-stores.js';
import { cacheDeviceStore } from '../../src/infra/store/cached-stores.js';
import { createDeviceStore } from '../../src/infra/store/device-store.js';
import { createNodeTaskStore } from '../../src/infra/store/node-store.js';
import { WriteBatcher } from '../../src/infra/store/write-batcher.js';

export const fails = (code: ErrorCode, pattern?: RegExp) => (error: unknown) =>
  error instanceof CoreError && error.code === code && (pattern === undefined || pattern.test(error.message));

export interface NodeFixtureOptions {
  dir?: string;
  tasks?: NodeRpcDeps['tasks'];
  devices?: NodeRpcDeps['devices'];
  approvalTimeoutMs?: number;
}

/** A paired node: its on-disk identity, its certificate (DER) and the context that certificate yields. */
export interface PairedNode {
  identity: NodeIdentity;
  certDer: Buffer;
  ctx: CallContext;
}

export interface NodeFixture {
  core: Core & Required<Pick<Core, 'devices' | 'pairing' | 'nodes'>>;
  ca: DaemonCa;
  db: Db;
  dir: string;
  admin: CallContext;
  /** Moves the core's clock (timers still run in real time). */
  advance(ms: number): void;
  now(): number;
  /** Proves a code the way a node does, for `identity`. */
  beginInput(joinString: string, identity: NodeIdentity, overrides?: { peer?: string; proof?: Buffer }): BeginPairingInput;
  /** Creates an identity in a fresh dir under the fixture. */
  newIdentity(): NodeIdentity;
  /** Full pairing with operator approval, then registration with `capabilities`. */
  pairNode(capabilities?: Array<{ name: string; available: boolean }>): Promise<PairedNode>;
  /** Closes the core and database; keeps the directory when `keepDir`. */
  close(keepDir?: boolean): Promise<void>;
}

export async function createNodeFixture(options: NodeFixtureOptions = {}): Promise<NodeFixture> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'palyra-node-'));
  let offset = 0;
  const now = () => Date.now() + offset;
  const db = openDb(join(dir, DB_FILE_NAME));
  const batcher = new WriteBatcher(db);
  const ca = await loadOrCreateDaemonCa(dir);
  const devices = cacheDeviceStore(createDeviceStore(db), batcher);
  const core = createCore({
    stores: createSqliteStores(db, batcher),
    model: createBuiltinModel(),
    tools: createBuiltinTools({ httpFetch: { allowPrivateNetworks: false, allowedHosts: [], maxBytes: 1 << 20 }, process: { allowedCommands: [] } }),
    adminToken: 'node-fixture-admin-token-0123456789abcdef',
    approvalTimeoutMs: options.approvalTimeoutMs ?? 5_000,
    nodeRpc: {
      ca,
      stores: { devices, tasks: createNodeTaskStore(db, batcher) },
      pairing: { advertisedAddress: '127.0.0.1:7444' },
      ...(options.devices ? { devices: options.devices } : {}),
      ...(options.tasks ? { tasks: options.tasks } : {}),
    },
    now,
  }) as NodeFixture['core'];
  const admin = createContext({ principal: 'admin:test', deviceId: newId(), scopes: ['*'], credential: 'admin_token' });
  let identities = 0;

  const fixture: NodeFixture = {
    core,
    ca,
    db,
    dir,
    admin,
    advance: (ms) => {
      offset += ms;
    },
    now,
    newIdentity: () => loadOrCreateNodeIdentity(join(dir, `node-${(identities += 1)}`)),
    beginInput(joinString, identity, overrides = {}) {
      const join = parseJoinString(joinString);
      const transcript = {
        codeId: join.codeId,
        deviceId: identity.deviceId,
        clientKind: 'node' as const,
        tlsPublicKeySpki: identity.tls.publicKeySpkiDer,
        identityPublicKey: identity.identityPublicKey,
        caFingerprint: join.caFingerprint,
      };
      return {
        deviceId: identity.deviceId,
        codeId: join.codeId,
        proof: overrides.proof ?? pairingProof(pairingCodeKey(join.secret), transcript),
        tlsPublicKeySpki: identity.tls.publicKeySpkiDer,
        identityPublicKey: identity.identityPublicKey,
        displayName: 'test node',
        peer: overrides.peer ?? '127.0.0.1',
      };
    },
    async pairNode(capabilities = [{ name: 'echo', available: true }]) {
      const identity = fixture.newIdentity();
      const code = await core.pairing.createCode(admin, {});
      const begun = await core.pairing.beginPairing(fixture.beginInput(code.joinString, identity));
      await core.pairing.approve(admin, begun.pairingId);
      const status = await core.pairing.getStatus({ pairingId: begun.pairingId, deviceId: identity.deviceId, identitySignature: signPairingStatus(identity, begun.pairingId) });
      const certDer = pemToDer(status.certificatePem ?? '', 'CERTIFICATE');
      const ctx = core.devices.authenticateCertificate(certDer);
      await core.devices.register(ctx, { platform: 'linux-x86_64', capabilities });
      return { identity, certDer, ctx };
    },
    async close(keepDir = false) {
      await core.shutdown();
      devices.flushSeen();
      batcher.close();
      db.close();
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** A task sink that records what the daemon pushed and cancelled. */
export class RecordingSink implements TaskSink {
  readonly pushed: NodeTaskDelivery[] = [];
  readonly cancelled: Array<{ taskId: string; reason: string }> = [];
  closedWith: CoreError | null = null;
  private waiters: Array<() => void> = [];

  push(task: NodeTaskDelivery): void {
    this.pushed.push(task);
    for (const wake of this.waiters.splice(0)) wake();
  }

  cancel(taskId: string, reason: string): void {
    this.cancelled.push({ taskId, reason });
    for (const wake of this.waiters.splice(0)) wake();
  }

  close(error: CoreError): void {
    this.closedWith = error;
  }

  /** Resolves once `count` tasks were pushed (fails after `timeoutMs`). */
  async waitForPushes(count: number, timeoutMs = 3_000): Promise<NodeTaskDelivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.pushed.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} pushed tasks, got ${this.pushed.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.pushed.slice(0, count);
  }
}
