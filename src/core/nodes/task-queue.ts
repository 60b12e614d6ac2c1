// TaskQueue: pushes durable per-node tasks to the node's open task channel, re-delivers after a
// reconnect or restart, enforces deadlines and the in-flight bound, and wakes the callers waiting.
import { CoreError } from '../errors.js';
import { IN_FLIGHT_STATES, type NodeTaskRecord, type NodeTaskStore, type TaskState, UNFINISHED_STATES } from './store.js';

/** One task as the node receives it (NodeTask). */
export interface NodeTaskDelivery {
  taskId: string;
  capability: string;
  inputJson: string;
  deadlineMs: number;
  /** 1 on first delivery, higher on re-delivery; the node skips a task id it already finished. */
  attempt: number;
  maxOutputBytes: number;
  /** The principal that invoked the task; the node keeps per-caller state (browser sessions) apart by it. */
  requestedBy: string;
}

/** What the transport gives `attach`: its way to write to the node's task channel. */
export interface TaskSink {
  /** Sends a task. A throw means the channel is gone: the task stays delivered and is re-sent on the next attach. */
  push(task: NodeTaskDelivery): void;
  /** Tells the node to stop a task (timeout, cancel, revocation). */
  cancel(taskId: string, reason: string): void;
  /**
   * The channel is over: a newer channel of the same device replaced it (`aborted`, reason
   * `superseded`), or the device was revoked (`permission_denied`, reason `device_revoked`). The
   * transport ends the stream with `error`, so the node learns whether reconnecting can help.
   */
  close?(error: CoreError): void;
}

/** How a task ended, as the waiting caller sees it. */
export interface TaskResult {
  taskId: string;
  success: boolean;
  /** The node's output parsed (null when it sent none). */
  output: unknown;
  outputJson: string;
  error: string;
}

export interface TaskProgress {
  taskId: string;
  stage: string;
  message: string;
  detailJson: string | null;
}

interface Waiter {
  resolve: (result: TaskResult) => void;
  reject: (error: CoreError) => void;
  onProgress: ((progress: TaskProgress) => void) | undefined;
}

interface Channel {
  sink: TaskSink;
  maxConcurrent: number;
}

/** Final outcome written for a task; `state` must be final. */
export interface TaskFinish {
  state: Extract<TaskState, 'succeeded' | 'failed' | 'cancelled' | 'timed_out'>;
  success: boolean;
  resultJson: string | null;
  error: string | null;
}

/**
 * The mechanics below NodeService (no authorization here). Invariants: a task is pushed only while
 * `delivered`; at most `min(maxInFlight, channel's maxConcurrent)` tasks per node are in flight; a
 * task past its deadline is never delivered again; every unfinished task has a deadline timer.
 */
export class TaskQueue {
  private readonly channels = new Map<string, Channel>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly finishListeners = new Set<(task: NodeTaskRecord) => void>();

  constructor(
    private readonly store: NodeTaskStore,
    private readonly maxInFlight: number,
    private readonly now: () => number,
  ) {}

  /** Called after a task reached a final state (journal). */
  onFinished(listener: (task: NodeTaskRecord) => void): void {
    this.finishListeners.add(listener);
  }

  /** Stores a queued task, arms its deadline and delivers it if the node is attached. */
  enqueue(task: NodeTaskRecord, waiter?: Waiter): void {
    this.store.insertTask(task);
    if (waiter) this.waiters.set(task.taskId, waiter);
    this.arm(task);
    this.pump(task.deviceId);
  }

  /** Makes `sink` the device's task channel (replacing an older one) and re-delivers its unfinished work. */
  attach(deviceId: string, sink: TaskSink, maxConcurrent: number): () => void {
    const previous = this.channels.get(deviceId);
    const channel: Channel = { sink, maxConcurrent: Math.max(1, Math.min(maxConcurrent || 1, this.maxInFlight)) };
    this.channels.set(deviceId, channel);
    if (previous && previous.sink !== sink) previous.sink.close?.(new CoreError('aborted', 'superseded by a newer task channel', { details: { reason: 'superseded' } }));
    for (const task of this.store.listTasks({ deviceId, states: IN_FLIGHT_STATES, limit: this.maxInFlight * 4 })) {
      if (this.channels.get(deviceId) !== channel) break;
      this.deliver(task, channel);
    }
    this.pump(deviceId);
    return () => {
      if (this.channels.get(deviceId) === channel) this.channels.delete(deviceId);
    };
  }

  hasChannel(deviceId: string): boolean {
    return this.channels.has(deviceId);
  }

  /** Delivers queued tasks while the device has free in-flight slots. */
  pump(deviceId: string): void {
    const channel = this.channels.get(deviceId);
    if (!channel) return;
    let inFlight = this.store.countTasks(deviceId, IN_FLIGHT_STATES);
    while (inFlight < channel.maxConcurrent && this.channels.get(deviceId) === channel) {
      const next = this.store.listTasks({ deviceId, states: ['queued'], limit: 1 })[0];
      if (!next) return;
      if (this.deliver(next, channel)) inFlight += 1;
    }
  }

  /** Progress from the node: moves the task to running and tells the waiting caller. */
  progress(task: NodeTaskRecord, progress: TaskProgress): boolean {
    if (!this.store.updateTask(task.taskId, UNFINISHED_STATES, { state: 'running', progressStage: progress.stage, updatedAtMs: this.now() })) return false;
    this.waiters.get(task.taskId)?.onProgress?.(progress);
    return true;
  }

  /**
   * Writes a final state if the task is still unfinished, tells the node to stop when it had the task
   * (unless the node itself reported it), and settles the waiter. Returns false if it was already final.
   */
  finish(task: NodeTaskRecord, finish: TaskFinish, options: { notifyNode: boolean; waiterError?: CoreError }): boolean {
    const nowMs = this.now();
    const patch = { ...finish, finishedAtMs: nowMs, updatedAtMs: nowMs };
    if (!this.store.updateTask(task.taskId, UNFINISHED_STATES, patch)) return false;
    clearTimeout(this.timers.get(task.taskId));
    this.timers.delete(task.taskId);
    const current = this.store.getTask(task.taskId) ?? { ...task, ...patch };
    if (options.notifyNode && task.state !== 'queued') this.channels.get(task.deviceId)?.sink.cancel(task.taskId, finish.error ?? finish.state);
    const waiter = this.waiters.get(task.taskId);
    this.waiters.delete(task.taskId);
    if (waiter) {
      if (options.waiterError) waiter.reject(options.waiterError);
      else waiter.resolve(resultOf(current));
    }
    for (const listener of this.finishListeners) listener(current);
    this.pump(task.deviceId);
    return true;
  }

  /** Revocation: cancels every unfinished task of the device and ends its channel with `permission_denied`. */
  abandonDevice(deviceId: string, reason: string): number {
    let count = 0;
    for (const task of this.store.listTasks({ deviceId, states: UNFINISHED_STATES, limit: 100_000 })) {
      const error = new CoreError('failed_precondition', `task cancelled: ${reason}`, { details: { taskId: task.taskId } });
      if (this.finish(task, { state: 'cancelled', success: false, resultJson: null, error: reason }, { notifyNode: true, waiterError: error })) count += 1;
    }
    this.channels.get(deviceId)?.sink.close?.(new CoreError('permission_denied', reason, { details: { reason: 'device_revoked' } }));
    this.channels.delete(deviceId);
    return count;
  }

  /**
   * After a restart: tasks past their deadline become timed_out; delivered/running tasks go back to
   * queued (they are re-delivered with attempt + 1); every survivor gets its deadline timer again.
   */
  recover(): { requeued: number; timedOut: number } {
    let requeued = 0;
    let timedOut = 0;
    let after: string | undefined;
    for (;;) {
      const batch = this.store.listTasks({ states: UNFINISHED_STATES, limit: 500, ...(after ? { afterTaskId: after } : {}) });
      for (const task of batch) {
        after = task.taskId;
        if (task.deadlineMs <= this.now()) {
          if (this.finish(task, { state: 'timed_out', success: false, resultJson: null, error: 'deadline passed while the daemon was down' }, { notifyNode: false })) timedOut += 1;
          continue;
        }
        if (task.state !== 'queued' && this.store.updateTask(task.taskId, IN_FLIGHT_STATES, { state: 'queued', updatedAtMs: this.now() })) requeued += 1;
        this.arm(task);
      }
      if (batch.length < 500) break;
    }
    return { requeued, timedOut };
  }

  /** Clears timers and fails every waiter with `unavailable`; tasks stay in the store for the next start. */
  shutdown(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const [taskId, waiter] of this.waiters) waiter.reject(new CoreError('unavailable', 'daemon is shutting down; the task stays queued', { details: { taskId } }));
    this.waiters.clear();
    this.channels.clear();
  }

  private deliver(task: NodeTaskRecord, channel: Channel): boolean {
    const nowMs = this.now();
    if (task.deadlineMs <= nowMs) {
      this.timeOut(task.taskId);
      return false;
    }
    const attempt = task.attempt + 1;
    const from: readonly TaskState[] = task.state === 'queued' ? ['queued'] : IN_FLIGHT_STATES;
    if (!this.store.updateTask(task.taskId, from, { state: 'delivered', attempt, deliveredAtMs: nowMs, updatedAtMs: nowMs })) return false;
    try {
      channel.sink.push({ taskId: task.taskId, capability: task.capability, inputJson: task.inputJson, deadlineMs: task.deadlineMs, attempt, maxOutputBytes: task.maxOutputBytes, requestedBy: task.requestedBy });
    } catch {
      // The stream is gone; the task stays delivered and the next attach re-sends it.
      if (this.channels.get(task.deviceId) === channel) this.channels.delete(task.deviceId);
      return false;
    }
    return true;
  }

  private arm(task: NodeTaskRecord): void {
    clearTimeout(this.timers.get(task.taskId));
    // Not unref'd: a caller waiting on a task must get its timeout; shutdown() clears every timer.
    this.timers.set(task.taskId, setTimeout(() => this.timeOut(task.taskId), Math.min(Math.max(task.deadlineMs - this.now(), 0), 2 ** 31 - 1)));
  }

  private timeOut(taskId: string): void {
    const task = this.store.getTask(taskId);
    if (!task || !UNFINISHED_STATES.includes(task.state)) return;
    const error = new CoreError('deadline_exceeded', 'timed out waiting for the node result', { details: { taskId } });
    this.finish(task, { state: 'timed_out', success: false, resultJson: null, error: 'timed out waiting for the node result' }, { notifyNode: true, waiterError: error });
  }
}

export function resultOf(task: NodeTaskRecord): TaskResult {
  return {
    taskId: task.taskId,
    success: task.success === true,
    output: task.resultJson === null ? null : (JSON.parse(task.resultJson) as unknown),
    outputJson: task.resultJson ?? 'null',
    error: task.error ?? '',
  };
}
