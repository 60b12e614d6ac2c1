// `palyra node run`: stays connected (reconnect with backoff), registers, heartbeats, renews its certificate, runs pushed tasks.
import { CoreError, isCoreError } from '../../core/errors.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../../core/nodes/nodes.js';
import type { HeartbeatResponse, NodeTask, OpenTaskChannelResponse } from '../../gen/palyra/node/v1/node.js';
import { createTlsCsr, generateTlsKey, loadOrCreateNodeIdentity, type NodeIdentity, saveTlsCredentials } from '../../infra/crypto/node-identity.js';
import { PACKAGE_VERSION } from '../../infra/package-version.js';
import { backoffDelayMs, type BackoffOptions, DEFAULT_BACKOFF } from '../../infra/backoff.js';
import { PROTOCOL_VERSION } from '../../transport/quic/codec.js';
import { QUIC_IDLE_TIMEOUT_MS } from '../../transport/quic/quic-listener.js';
import { type Capabilities, createCapabilities, nodePlatform } from './capabilities.js';
import { loadDaemonPin } from './daemon-pin.js';
import { dial, type NodeLink, type TransportChoice } from './dial.js';
import { FinishedTasks } from './finished-tasks.js';
import { NodeBrowser } from './node-browser.js';
import type { NodeConfig } from './node-config.js';
import { NodeRpcClient, type TaskChannelClient } from './rpc-client.js';

/** A heartbeat sent on the task channel unanswered this long means the connection is gone: reconnect. */
const HEARTBEAT_ANSWER_TIMEOUT_MS = 10_000;

/**
 * Beats are the connection's keep-alive (the node sends no QUIC PINGs): never further apart than half
 * the idle timeout, whatever interval a daemon asks for (the QUIC idle timeout is the lower of the two
 * sides', so a daemon configured for longer beats still has this node's 30 s).
 */
const MAX_HEARTBEAT_INTERVAL_MS = QUIC_IDLE_TIMEOUT_MS / 2;

/**
 * The daemon's interval (1 s to MAX_HEARTBEAT_INTERVAL_MS), 10 % either way at random: nodes that
 * connected together (a daemon restart, a network blip) would otherwise beat together forever, a burst
 * of N at once.
 */
function heartbeatDelayMs(intervalMs: number): number {
  return Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.max(1_000, intervalMs || MAX_HEARTBEAT_INTERVAL_MS)) * (0.9 + Math.random() * 0.2);
}

export type NodeHostEvent =
  | { type: 'connected'; transport: 'quic' | 'tcp' }
  | { type: 'registered' }
  | { type: 'disconnected'; error: string }
  | { type: 'task_started'; taskId: string; capability: string; attempt: number }
  | { type: 'task_finished'; taskId: string; success: boolean; replayed: boolean }
  | { type: 'certificate_renewed'; fingerprint: string }
  | { type: 'stopped'; error: string | null };

export interface NodeHostOptions {
  stateDir: string;
  config: NodeConfig;
  transport?: TransportChoice;
  backoff?: BackoffOptions;
  /** Overrides the capability set built from `config` (tests count executions with this). */
  capabilities?: Capabilities;
  onEvent?: (event: NodeHostEvent) => void;
}

/** Errors after which reconnecting cannot help: the device is revoked or was never paired. */
function isFatal(error: unknown): error is CoreError {
  return isCoreError(error, 'permission_denied') || isCoreError(error, 'failed_precondition');
}

/** What the node's operator reads when the host stops for good: a refusal says that retrying is over. */
function explainFatal(error: CoreError): CoreError {
  if (error.code !== 'permission_denied') return error;
  return new CoreError('permission_denied', `the daemon refuses this device (${error.message}); the node host stops and will not reconnect. Pair again from a new state directory to serve this daemon.`, { details: error.details, cause: error });
}

export class NodeHost {
  private stopped = false;
  private link: NodeLink | null = null;
  /** The open task channel: over TCP it has a socket of its own, which closing the link does not close. */
  private channel: TaskChannelClient | null = null;
  private readonly running = new Map<string, AbortController>();
  private readonly finished: FinishedTasks;
  /** The browser engine behind `browser.*`, kept across reconnects; only when node.toml enables it. */
  private readonly browser: NodeBrowser | undefined;
  private wake: (() => void) | null = null;
  /** Resolves when the host stops (after `stop()` or a fatal error), with the fatal error if any. */
  readonly done: Promise<CoreError | null>;
  private resolveDone!: (error: CoreError | null) => void;

  constructor(private readonly options: NodeHostOptions) {
    this.finished = new FinishedTasks(options.stateDir);
    this.browser = options.config.browser.enabled ? new NodeBrowser(options.config.browser, options.stateDir) : undefined;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Starts the connection loop in the background. */
  start(): this {
    void this.loop();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.running.values()) task.abort(new Error('node host stopping'));
    this.wake?.();
    this.channel?.close();
    await this.link?.close();
    await this.done;
    await this.browser?.close();
  }

  private emit(event: NodeHostEvent): void {
    this.options.onEvent?.(event);
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    // Not paired is reported once, as the reason the host stopped: there was no connection to lose.
    let fatal: CoreError | null = this.missingPairing();
    while (!this.stopped && fatal === null) {
      try {
        await this.session(() => (attempt = 0));
      } catch (error) {
        if (this.stopped) break;
        this.emit({ type: 'disconnected', error: error instanceof Error ? error.message : String(error) });
        if (isFatal(error)) {
          fatal = explainFatal(error);
          break;
        }
      }
      if (this.stopped) break;
      const delay = backoffDelayMs(attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.emit({ type: 'stopped', error: fatal?.message ?? null });
    this.resolveDone(fatal);
  }

  private missingPairing(): CoreError | null {
    if (loadOrCreateNodeIdentity(this.options.stateDir).tls.certificatePem) return null;
    return new CoreError('failed_precondition', `this node is not paired (no certificate in ${this.options.stateDir})`, {
      details: { hint: `pair it first: palyra node pair <join-string> --state-dir ${this.options.stateDir} (\`palyra pairing create\` on the daemon host prints the join string)` },
    });
  }

  /** One connection: register, open the task channel, heartbeat until it drops. */
  private async session(onRegistered: () => void): Promise<void> {
    const identity = loadOrCreateNodeIdentity(this.options.stateDir);
    if (!identity.tls.certificatePem) throw new CoreError('failed_precondition', `the certificate in ${this.options.stateDir} is gone; pair this node again`);
    const pin = loadDaemonPin(this.options.stateDir);
    const link = await dial({
      host: pin.host,
      port: pin.port,
      caFingerprint: pin.caFingerprint,
      clientCertificate: { privateKeyPem: identity.tls.privateKeyPem, certificatePem: identity.tls.certificatePem },
      transport: this.options.transport ?? 'auto',
    });
    this.link = link;
    if (this.stopped) {
      await link.close();
      return;
    }
    this.emit({ type: 'connected', transport: link.kind });
    const client = new NodeRpcClient(link);
    const capabilities = this.options.capabilities ?? createCapabilities(this.options.config, identity.deviceId, this.browser);
    let channel: TaskChannelClient | null = null;
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      const registered = await client.registerNode({ deviceId: { ulid: identity.deviceId }, platform: nodePlatform(), capabilities: capabilities.advertised, nodeVersion: PACKAGE_VERSION });
      onRegistered();
      this.emit({ type: 'registered' });
      channel = await client.openTaskChannel({ deviceId: identity.deviceId, maxConcurrentTasks: this.options.config.maxConcurrentTasks });
      this.channel = channel;
      if (this.stopped) channel.close();
      const open = channel;
      const answered = async (reply: HeartbeatResponse) => {
        clearTimeout(heartbeat);
        try {
          if (reply.renewCertificate) {
            await this.renew(client, identity);
            // Reconnect so the new certificate is the one presented.
            open.close();
            return;
          }
          heartbeat = setTimeout(() => void beat(), heartbeatDelayMs(reply.heartbeatIntervalMs));
        } catch {
          open.close();
        }
      };
      const beat = async () => {
        const request = { deviceId: { ulid: identity.deviceId }, sentAtUnixMs: Date.now(), runningTasks: this.running.size };
        try {
          if (!registered.channelHeartbeats) {
            await answered(await client.heartbeat(request));
            return;
          }
          // On the open channel (no stream per beat); its answer arrives among the channel's messages.
          heartbeat = setTimeout(() => open.close(), HEARTBEAT_ANSWER_TIMEOUT_MS);
          await open.send({ $case: 'heartbeat', value: { v: PROTOCOL_VERSION, ...request } });
        } catch {
          open.close();
        }
      };
      heartbeat = setTimeout(() => void beat(), heartbeatDelayMs(registered.heartbeatIntervalMs));
      for await (const message of open.messages) {
        if (message.body?.$case === 'heartbeat') void answered(message.body.value);
        else this.onMessage(message, open, capabilities);
      }
      throw new CoreError('unavailable', 'task channel closed');
    } finally {
      clearTimeout(heartbeat);
      channel?.close();
      this.channel = null;
      this.link = null;
      await link.close();
    }
  }

  private onMessage(message: OpenTaskChannelResponse, channel: TaskChannelClient, capabilities: Capabilities): void {
    const body = message.body;
    if (body?.$case === 'task') void this.runTask(body.value, channel, capabilities);
    else if (body?.$case === 'cancel') this.running.get(body.value.taskId?.ulid ?? '')?.abort(new Error(body.value.reason || 'cancelled by the daemon'));
  }

  private async runTask(task: NodeTask, channel: TaskChannelClient, capabilities: Capabilities): Promise<void> {
    const taskId = task.taskId?.ulid ?? '';
    const stored = this.finished.get(taskId);
    if (stored) {
      // Re-delivered after a lost ack: the stored result again, never a second run.
      await channel.send({ $case: 'update', value: { taskId: { ulid: taskId }, update: { $case: 'result', value: { success: stored.success, outputJson: Buffer.from(stored.outputJson), error: stored.error } } } }).catch(() => undefined);
      this.emit({ type: 'task_finished', taskId, success: stored.success, replayed: true });
      return;
    }
    if (this.running.has(taskId)) return;
    const abort = new AbortController();
    this.running.set(taskId, abort);
    const deadline = setTimeout(() => abort.abort(new Error('task deadline passed')), Math.max(0, task.deadlineUnixMs - Date.now()));
    this.emit({ type: 'task_started', taskId, capability: task.capability, attempt: task.attempt });
    try {
      await channel.send({ $case: 'update', value: { taskId: { ulid: taskId }, update: { $case: 'progress', value: { stage: 'running', message: `attempt ${task.attempt}`, detailJson: Buffer.alloc(0) } } } }).catch(() => undefined);
      let input: unknown;
      let outcome: { success: boolean; output: unknown; error: string };
      try {
        input = task.inputJson.length > 0 ? JSON.parse(task.inputJson.toString('utf8')) : null;
        outcome = await capabilities.run(task.capability, input, { signal: abort.signal, principal: task.requestedBy, maxOutputBytes: task.maxOutputBytes > 0 ? Number(task.maxOutputBytes) : DEFAULT_MAX_OUTPUT_BYTES });
      } catch (error) {
        outcome = { success: false, output: null, error: `invalid task input: ${error instanceof Error ? error.message : String(error)}` };
      }
      let outputJson = JSON.stringify(outcome.output ?? null);
      if (task.maxOutputBytes > 0 && Buffer.byteLength(outputJson) > task.maxOutputBytes) {
        outcome = { success: false, output: null, error: `output_too_large: ${Buffer.byteLength(outputJson)} bytes > max_output_bytes=${task.maxOutputBytes}` };
        outputJson = 'null';
      }
      this.finished.record({ taskId, success: outcome.success, outputJson, error: outcome.error, finishedAtMs: Date.now() });
      this.emit({ type: 'task_finished', taskId, success: outcome.success, replayed: false });
      await channel.send({ $case: 'update', value: { taskId: { ulid: taskId }, update: { $case: 'result', value: { success: outcome.success, outputJson: Buffer.from(outputJson), error: outcome.error } } } }).catch(() => undefined);
    } finally {
      clearTimeout(deadline);
      this.running.delete(taskId);
    }
  }

  private async renew(client: NodeRpcClient, identity: NodeIdentity): Promise<void> {
    const key = generateTlsKey();
    const renewed = await client.renewCertificate({ deviceId: { ulid: identity.deviceId }, publicKeySpkiDer: key.publicKeySpkiDer, csrDer: await createTlsCsr(key.privateKeyPem, identity.deviceId) });
    saveTlsCredentials(this.options.stateDir, { privateKeyPem: key.privateKeyPem, certificatePem: renewed.certificatePem, caChainPem: renewed.caChainPem });
    this.emit({ type: 'certificate_renewed', fingerprint: renewed.certFingerprintSha256 });
  }
}
