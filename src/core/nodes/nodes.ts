// NodeService: capability invocation on paired nodes over a durable, bounded, push-based task queue.
import type { Authorizer } from '../auth/authorize.js';
import type { CallContext } from '../context.js';
import { CAPABILITY_NAME } from '../devices/capabilities.js';
import type { DeviceService } from '../devices/devices.js';
import { CoreError } from '../errors.js';
import { isCanonicalId, newId, requireCanonicalId } from '../ids.js';
import type { Journal } from '../journal/journal.js';
import { type NodeTaskRecord, type NodeTaskStore, type TaskState, UNFINISHED_STATES } from './store.js';
import { clamp, encodeInput, isJson } from './task-input.js';
import { type NodeView, type TaskView, toTaskView } from './task-views.js';
import { type TaskProgress, TaskQueue, type TaskResult, type TaskSink } from './task-queue.js';

export interface NodeServiceOptions {
  /** Queued (not yet delivered) tasks per node. Default 256. */
  maxQueuedPerNode?: number;
  /** Delivered-and-unfinished tasks per node. Default 16. */
  maxInFlightPerNode?: number;
  /** Finished tasks older than this are pruned by `recover`. Default 7 days. */
  retentionMs?: number;
}

export const DEFAULT_TASK_TIMEOUT_MS = 30_000;
export const MIN_TASK_TIMEOUT_MS = 1_000;
export const MAX_TASK_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
/** Results travel in one frame on the task channel; bigger outputs are refused (see docs/node-rpc.md). */
export const MAX_OUTPUT_BYTES = 256 * 1024;
export const MAX_TASK_PAGE = 500;
const MAX_ERROR_CHARS = 1_024;

export interface InvokeInput {
  deviceId: string;
  capability: string;
  /** The input as a JSON value, or `inputJson` as text; neither means null. */
  input?: unknown;
  inputJson?: string;
  /** 0/absent means 30 s; clamped to [1 s, 120 s]. */
  timeoutMs?: number;
  /** 0/absent means 64 KiB; at most 256 KiB. */
  maxOutputBytes?: number;
  runId?: string;
  sessionId?: string;
  onProgress?: (progress: TaskProgress) => void;
  /** Called once the task is stored, with its id (before the result arrives). */
  onQueued?: (taskId: string) => void;
}

/** An update on the task channel (NodeTaskUpdate): exactly one of progress or result. */
export interface TaskUpdateInput {
  taskId: string;
  progress?: { stage: string; message?: string; detailJson?: string };
  result?: { success: boolean; outputJson?: string; error?: string };
}

/** NodeTaskAck. */
export interface TaskAck {
  taskId: string;
  accepted: boolean;
  reason: string;
}

/** A node's open task channel; call `detach` when the stream ends. */
export interface TaskChannel {
  detach(): void;
}

/**
 * `invoke` refuses before enqueueing: unknown device (`not_found`), revoked or never registered
 * device, capability not advertised or not available (`failed_precondition`, details.reason), full
 * queue (`resource_exhausted`). The task then waits in the queue (saved to SQLite, see TaskQueue for
 * what is committed when) until the node's task channel takes it (at-least-once: re-delivered with
 * attempt + 1 after a disconnect or restart; the node de-duplicates by task id). It resolves with
 * the node's result (success or not); rejects with `deadline_exceeded` when the deadline passes (the
 * node is told to cancel), `cancelled` when the caller's signal aborts, `failed_precondition` when
 * the device is revoked meanwhile, `unavailable` on shutdown.
 */
export class NodeService {
  private readonly queue: TaskQueue;
  private readonly maxQueued: number;
  private readonly retentionMs: number;

  constructor(
    private readonly store: NodeTaskStore,
    private readonly devices: DeviceService,
    private readonly authorizer: Authorizer,
    private readonly journal: Journal,
    options: NodeServiceOptions,
    private readonly now: () => number,
  ) {
    this.maxQueued = options.maxQueuedPerNode ?? 256;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
    this.queue = new TaskQueue(store, options.maxInFlightPerNode ?? 16, now);
    this.queue.onFinished((task) => {
      void this.journal
        .append({
          kind: 'node.task_finished',
          actor: 'system',
          principal: `node:${task.deviceId}`,
          deviceId: task.deviceId,
          runId: task.runId,
          sessionId: task.sessionId,
          payload: { task_id: task.taskId, capability: task.capability, state: task.state, attempt: task.attempt, error: task.error },
        })
        .catch(() => undefined);
    });
    devices.onRevoked((event) => {
      this.queue.abandonDevice(event.deviceId, `device revoked: ${event.reason}`);
    });
  }

  /** Queues a task for a node and waits for its result. See the class comment for errors. */
  async invoke(ctx: CallContext, input: InvokeInput): Promise<TaskResult> {
    this.authorizer.authorize(ctx, 'nodes.invoke');
    const deviceId = requireCanonicalId(input.deviceId, 'device_id');
    const capability = typeof input.capability === 'string' ? input.capability.trim() : '';
    if (!CAPABILITY_NAME.test(capability)) throw new CoreError('invalid_argument', `capability must match ${CAPABILITY_NAME.source}`);
    const inputJson = encodeInput(input);
    const timeoutMs = clamp(input.timeoutMs || DEFAULT_TASK_TIMEOUT_MS, MIN_TASK_TIMEOUT_MS, MAX_TASK_TIMEOUT_MS, 'timeout_ms');
    const maxOutputBytes = clamp(input.maxOutputBytes || DEFAULT_MAX_OUTPUT_BYTES, 1, MAX_OUTPUT_BYTES, 'max_output_bytes');
    this.checkTarget(deviceId, capability);
    if (this.queue.counts(deviceId).queued >= this.maxQueued) {
      throw new CoreError('resource_exhausted', `the node's task queue is full (${this.maxQueued} queued); retry later`);
    }
    if (ctx.signal.aborted) throw new CoreError('cancelled', 'the caller went away before the task was queued');
    const nowMs = this.now();
    const task: NodeTaskRecord = {
      taskId: newId(),
      deviceId,
      capability,
      inputJson,
      state: 'queued',
      attempt: 0,
      maxOutputBytes,
      createdAtMs: nowMs,
      deadlineMs: nowMs + timeoutMs,
      deliveredAtMs: null,
      finishedAtMs: null,
      updatedAtMs: nowMs,
      progressStage: null,
      success: null,
      resultJson: null,
      error: null,
      requestedBy: ctx.principal,
      runId: input.runId && isCanonicalId(input.runId) ? input.runId : null,
      sessionId: input.sessionId && isCanonicalId(input.sessionId) ? input.sessionId : null,
    };
    // No await between the bound check and the enqueue: concurrent invokes cannot overrun the queue.
    let stored: Promise<void> = Promise.resolve();
    const result = new Promise<TaskResult>((resolve, reject) => {
      stored = this.queue.enqueue(task, { resolve, reject, onProgress: input.onProgress });
    });
    // Settled (shutdown, timeout) possibly before it is awaited below: mark it handled now.
    result.catch(() => undefined);
    void this.journal
      .append({
        kind: 'node.task_queued',
        actor: 'user',
        principal: ctx.principal,
        deviceId: ctx.deviceId,
        channel: ctx.channel,
        runId: task.runId,
        sessionId: task.sessionId,
        payload: { task_id: task.taskId, target_device_id: deviceId, capability, timeout_ms: timeoutMs },
      })
      .catch(() => undefined);
    const onAbort = () => {
      const error = new CoreError('cancelled', 'the caller went away; task cancelled', { details: { taskId: task.taskId } });
      this.queue.finish(task.taskId, { state: 'cancelled', success: false, resultJson: null, error: 'cancelled by the caller' }, { notifyNode: true, waiterError: error })?.catch(() => undefined);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // The id is announced once the queued row is committed; the result always comes after it.
      await stored.catch((error: unknown) => {
        this.queue.finish(task.taskId, { state: 'failed', success: false, resultJson: null, error: 'the task could not be stored' }, { notifyNode: true })?.catch(() => undefined);
        throw new CoreError('unavailable', 'the task could not be stored', { cause: error });
      });
      input.onQueued?.(task.taskId);
      return await result;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Opens the calling node's task channel (the transport's OpenTaskChannel after the hello): tasks
   * delivered before and unfinished are re-sent first (attempt + 1), then queued ones up to
   * `min(maxConcurrentTasks, 16)` in flight. A newer channel replaces an older one (`sink.close`).
   * @throws CoreError `permission_denied` unless the caller is an active node.
   */
  attach(ctx: CallContext, sink: TaskSink, options: { maxConcurrentTasks?: number } = {}): TaskChannel {
    const device = this.devices.requireActiveNode(ctx);
    this.devices.markSeen(device.deviceId);
    return { detach: this.queue.attach(device.deviceId, sink, options.maxConcurrentTasks ?? 1) };
  }

  /**
   * A progress or result update from the node. Accepted only from the device the task went to
   * (`permission_denied` otherwise); a result for a task already succeeded/failed is acknowledged
   * again (idempotent), one for a timed-out or cancelled task is refused in the ack. A result whose
   * output exceeds the task's `maxOutputBytes` or is not JSON fails the task.
   * @throws CoreError `not_found`, `permission_denied`, `invalid_argument`.
   */
  async acceptUpdate(ctx: CallContext, update: TaskUpdateInput): Promise<TaskAck> {
    const device = this.devices.requireActiveNode(ctx);
    const taskId = requireCanonicalId(update.taskId, 'task_id');
    if ((update.progress === undefined) === (update.result === undefined)) throw new CoreError('invalid_argument', 'an update carries exactly one of progress or result');
    const task = this.queue.lookup(taskId);
    if (!task) throw new CoreError('not_found', 'task was not found');
    if (task.deviceId !== device.deviceId) throw new CoreError('permission_denied', 'task was sent to another device');
    if (update.progress) {
      const stage = String(update.progress.stage ?? '').trim().slice(0, 64) || 'running';
      const saved = this.queue.progress(taskId, { taskId, stage, message: String(update.progress.message ?? '').slice(0, 512), detailJson: update.progress.detailJson ?? null });
      if (saved) await saved;
      return { taskId, accepted: saved !== null, reason: saved ? 'progress' : task.state };
    }
    if (!UNFINISHED_STATES.includes(task.state)) {
      await this.queue.committed(taskId);
      return finishedAck(task);
    }
    const result = update.result as NonNullable<TaskUpdateInput['result']>;
    const outputJson = result.outputJson?.trim() ? result.outputJson : 'null';
    const bytes = Buffer.byteLength(outputJson);
    let finish: { state: 'succeeded' | 'failed'; success: boolean; resultJson: string | null; error: string | null; ackReason: string };
    if (bytes > task.maxOutputBytes) {
      finish = { state: 'failed', success: false, resultJson: null, error: `output_too_large: ${bytes} bytes > max_output_bytes=${task.maxOutputBytes}`, ackReason: 'output_too_large' };
    } else if (!isJson(outputJson)) {
      finish = { state: 'failed', success: false, resultJson: null, error: 'invalid_output: output_json is not JSON', ackReason: 'invalid_output' };
    } else {
      const error = String(result.error ?? '').slice(0, MAX_ERROR_CHARS);
      const success = result.success === true;
      finish = { state: success ? 'succeeded' : 'failed', success, resultJson: JSON.stringify(JSON.parse(outputJson)), error: error || null, ackReason: 'recorded' };
    }
    const { ackReason, ...final } = finish;
    const settled = this.queue.finish(taskId, final, { notifyNode: false });
    if (!settled) return finishedAck(this.queue.lookup(taskId) ?? task);
    this.devices.markSeen(device.deviceId);
    await settled;
    return { taskId, accepted: ackReason === 'recorded', reason: ackReason };
  }

  /** Cancels an unfinished task (its waiter gets `cancelled`, the node is told); resolves once that is committed. @throws CoreError `not_found`. */
  async cancel(ctx: CallContext, taskId: string, reason?: string): Promise<TaskView> {
    this.authorizer.authorize(ctx, 'nodes.invoke');
    const task = this.queue.lookup(requireCanonicalId(taskId, 'task_id'));
    if (!task) throw new CoreError('not_found', 'task was not found');
    const why = reason?.trim().slice(0, 256) || `cancelled by ${ctx.principal}`;
    const error = new CoreError('cancelled', why, { details: { taskId: task.taskId } });
    await this.queue.finish(task.taskId, { state: 'cancelled', success: false, resultJson: null, error: why }, { notifyNode: true, waiterError: error });
    await this.queue.committed(task.taskId);
    return toTaskView(this.queue.lookup(task.taskId) ?? task);
  }

  /** @throws CoreError `not_found`. */
  getTask(ctx: CallContext, taskId: string): TaskView {
    this.authorizer.authorize(ctx, 'nodes.read');
    const task = this.queue.lookup(requireCanonicalId(taskId, 'task_id'));
    if (!task) throw new CoreError('not_found', 'task was not found');
    return toTaskView(task);
  }

  /** Tasks in creation order as committed (a task queued this very tick shows up on the next); `limit` 1..500 (default 100). */
  listTasks(ctx: CallContext, filter: { deviceId?: string; states?: TaskState[]; afterTaskId?: string; limit?: number } = {}): TaskView[] {
    this.authorizer.authorize(ctx, 'nodes.read');
    const limit = filter.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TASK_PAGE) throw new CoreError('invalid_argument', `limit must be 1..${MAX_TASK_PAGE}`);
    return this.store
      .listTasks({
        limit,
        ...(filter.deviceId ? { deviceId: requireCanonicalId(filter.deviceId, 'device_id') } : {}),
        ...(filter.states ? { states: filter.states } : {}),
        ...(filter.afterTaskId ? { afterTaskId: requireCanonicalId(filter.afterTaskId, 'after_task_id') } : {}),
      })
      .map((task) => toTaskView(this.queue.lookup(task.taskId) ?? task));
  }

  /** Paired devices with their queue figures (ListNodes). `connected` also counts an open task channel. */
  list(ctx: CallContext, filter: { afterDeviceId?: string; limit?: number; includeRevoked?: boolean } = {}): NodeView[] {
    this.authorizer.authorize(ctx, 'nodes.read');
    return this.devices.views(filter).map((device) => ({
      ...device,
      connected: device.connected || this.queue.hasChannel(device.deviceId),
      queuedTasks: this.queue.counts(device.deviceId).queued,
      runningTasks: this.queue.counts(device.deviceId).inFlight,
    }));
  }

  /** At start: times out overdue tasks, re-queues delivered ones, prunes old finished ones; resolves once committed. */
  async recover(): Promise<{ requeued: number; timedOut: number; pruned: number }> {
    const pruned = this.store.deleteFinishedBefore(this.now() - this.retentionMs);
    return { ...(await this.queue.recover()), pruned };
  }

  /** Stops timers and fails waiting callers with `unavailable`; queued work survives in the store. */
  shutdown(): void {
    this.queue.shutdown();
  }

  private checkTarget(deviceId: string, capability: string): void {
    const device = this.devices.getRecord(deviceId);
    if (!device) throw new CoreError('not_found', 'node was not found');
    if (device.revokedAtMs !== null) throw refusal('device_revoked', 'node is revoked');
    if (device.registeredAtMs === null) throw refusal('not_registered', 'node has not registered its capabilities yet');
    const offered = device.capabilities.find((c) => c.name === capability);
    if (!offered) throw refusal('capability_unknown', `node does not offer capability ${capability}`);
    if (!offered.available) throw refusal('capability_unavailable', `capability ${capability} is currently unavailable on this node`);
  }
}

function refusal(reason: string, message: string): CoreError {
  return new CoreError('failed_precondition', message, { details: { reason } });
}

function finishedAck(task: NodeTaskRecord): TaskAck {
  const recorded = task.state === 'succeeded' || task.state === 'failed';
  return { taskId: task.taskId, accepted: recorded, reason: recorded ? 'already_recorded' : task.state };
}

export type { NodeTaskDelivery, TaskProgress, TaskResult, TaskSink } from './task-queue.js';
export type { NodeView, TaskView } from './task-views.js';
export { MAX_TASK_INPUT_BYTES } from './task-input.js';
