// TaskQueue: holds unfinished node tasks in memory (written behind to the store), pushes them to the
// node's task channel, re-delivers after a reconnect or restart, enforces deadlines and the in-flight bound.
import { CoreError } from '../errors.js';
import { type NodeTaskRecord, type NodeTaskStore, type TaskState, UNFINISHED_STATES } from './store.js';

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

/** An unfinished task: its current record (the store trails it by at most one group commit). */
interface LiveTask {
  record: NodeTaskRecord;
  waiter: Waiter | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** A device's unfinished tasks: queued in creation order, and delivered-or-running ones. */
interface DeviceTasks {
  queued: LiveTask[];
  inFlight: Map<string, LiveTask>;
}

/** A task whose final state is written but not committed yet. */
interface Settling {
  record: NodeTaskRecord;
  committed: Promise<void>;
}

/** Final outcome written for a task; `state` must be final. */
export interface TaskFinish {
  state: Extract<TaskState, 'succeeded' | 'failed' | 'cancelled' | 'timed_out'>;
  success: boolean;
  resultJson: string | null;
  error: string | null;
}

/**
 * The mechanics below NodeService (no authorization here). The unfinished tasks live here; every
 * change is saved to the store, and the saves of one tick commit together (with the journal events
 * of that tick). What is committed before it is acknowledged: a queued task before the caller learns
 * its id (`enqueue`'s promise), a final state before the waiting caller is settled or the node's
 * result is acknowledged. Delivery and progress are written behind: a crash loses at most that a task
 * was delivered, and recovery re-queues delivered tasks anyway. Invariants: a task is pushed only
 * while `delivered`; at most `min(maxInFlight, channel's maxConcurrent)` tasks per node are in
 * flight; a task past its deadline is never delivered again; every unfinished task has a deadline timer.
 */
export class TaskQueue {
  private readonly channels = new Map<string, Channel>();
  private readonly live = new Map<string, LiveTask>();
  private readonly byDevice = new Map<string, DeviceTasks>();
  private readonly settling = new Map<string, Settling>();
  private readonly finishListeners = new Set<(task: NodeTaskRecord) => void>();

  constructor(
    private readonly store: NodeTaskStore,
    private readonly maxInFlight: number,
    private readonly now: () => number,
  ) {}

  /** Called after a task reached a final state (journal), in the same tick as its final write. */
  onFinished(listener: (task: NodeTaskRecord) => void): void {
    this.finishListeners.add(listener);
  }

  /** Holds a queued task, arms its deadline and delivers it if the node is attached; resolves once the queued row committed. */
  enqueue(record: NodeTaskRecord, waiter?: Waiter): Promise<void> {
    const task: LiveTask = { record, waiter, timer: undefined };
    this.live.set(record.taskId, task);
    this.tasksOf(record.deviceId).queued.push(task);
    const stored = this.store.saveTask(record);
    this.arm(task);
    this.pump(record.deviceId);
    return stored;
  }

  /** The task as it stands now: unfinished, finished but not yet committed, or else from the store. */
  lookup(taskId: string): NodeTaskRecord | undefined {
    return this.live.get(taskId)?.record ?? this.settling.get(taskId)?.record ?? this.store.getTask(taskId);
  }

  /** Resolves once the task's final state is committed (at once when it is not settling). */
  async committed(taskId: string): Promise<void> {
    await this.settling.get(taskId)?.committed;
  }

  /** Queued and in-flight counts of a device. */
  counts(deviceId: string): { queued: number; inFlight: number } {
    const tasks = this.byDevice.get(deviceId);
    return { queued: tasks?.queued.length ?? 0, inFlight: tasks?.inFlight.size ?? 0 };
  }

  /** Makes `sink` the device's task channel (replacing an older one) and re-delivers its unfinished work. */
  attach(deviceId: string, sink: TaskSink, maxConcurrent: number): () => void {
    const previous = this.channels.get(deviceId);
    const channel: Channel = { sink, maxConcurrent: Math.max(1, Math.min(maxConcurrent || 1, this.maxInFlight)) };
    this.channels.set(deviceId, channel);
    if (previous && previous.sink !== sink) previous.sink.close?.(new CoreError('aborted', 'superseded by a newer task channel', { details: { reason: 'superseded' } }));
    const inFlight = [...(this.byDevice.get(deviceId)?.inFlight.values() ?? [])].sort((a, b) => (a.record.taskId < b.record.taskId ? -1 : 1));
    for (const task of inFlight) {
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
    const tasks = this.byDevice.get(deviceId);
    if (!channel || !tasks) return;
    while (tasks.inFlight.size < channel.maxConcurrent && this.channels.get(deviceId) === channel) {
      const next = tasks.queued.shift();
      if (!next) return;
      tasks.inFlight.set(next.record.taskId, next);
      this.deliver(next, channel);
    }
  }

  /** Progress from the node: moves the task to running and tells the waiting caller. Null when the task is not unfinished. */
  progress(taskId: string, progress: TaskProgress): Promise<void> | null {
    const task = this.live.get(taskId);
    if (!task) return null;
    task.record = { ...task.record, state: 'running', progressStage: progress.stage, updatedAtMs: this.now() };
    const saved = this.store.saveTask(task.record);
    task.waiter?.onProgress?.(progress);
    return saved;
  }

  /**
   * Writes a final state if the task is still unfinished, tells the node to stop when it had the task
   * (unless the node itself reported it), frees its slot, and settles the waiter once the final state
   * is committed. Returns the commit's promise, or null if the task was not unfinished.
   */
  finish(taskId: string, finish: TaskFinish, options: { notifyNode: boolean; waiterError?: CoreError }): Promise<void> | null {
    const task = this.live.get(taskId);
    if (!task) return null;
    this.live.delete(taskId);
    clearTimeout(task.timer);
    const { deviceId } = task.record;
    const tasks = this.tasksOf(deviceId);
    const wasQueued = !tasks.inFlight.delete(taskId);
    const index = wasQueued ? tasks.queued.indexOf(task) : -1;
    if (index >= 0) tasks.queued.splice(index, 1);
    if (tasks.queued.length === 0 && tasks.inFlight.size === 0) this.byDevice.delete(deviceId);
    const nowMs = this.now();
    const record: NodeTaskRecord = { ...task.record, ...finish, finishedAtMs: nowMs, updatedAtMs: nowMs };
    const committed = this.store.saveTask(record);
    const entry: Settling = { record, committed };
    this.settling.set(taskId, entry);
    if (options.notifyNode && !wasQueued) this.channels.get(deviceId)?.sink.cancel(taskId, finish.error ?? finish.state);
    for (const listener of this.finishListeners) listener(record);
    const settled = committed.then(
      () => {
        if (options.waiterError) task.waiter?.reject(options.waiterError);
        else task.waiter?.resolve(resultOf(record));
      },
      (error: unknown) => {
        task.waiter?.reject(new CoreError('internal', 'the task result could not be stored', { cause: error, details: { taskId } }));
        throw error;
      },
    );
    void settled.finally(() => {
      if (this.settling.get(taskId) === entry) this.settling.delete(taskId);
    }).catch(() => undefined);
    this.pump(deviceId);
    return settled;
  }

  /** Revocation: cancels every unfinished task of the device and ends its channel with `permission_denied`. */
  abandonDevice(deviceId: string, reason: string): number {
    const tasks = this.byDevice.get(deviceId);
    const doomed = tasks ? [...tasks.inFlight.keys(), ...tasks.queued.map((task) => task.record.taskId)] : [];
    let count = 0;
    for (const taskId of doomed) {
      const error = new CoreError('failed_precondition', `task cancelled: ${reason}`, { details: { taskId } });
      const settled = this.finish(taskId, { state: 'cancelled', success: false, resultJson: null, error: reason }, { notifyNode: true, waiterError: error });
      if (settled) {
        count += 1;
        settled.catch(() => undefined);
      }
    }
    this.channels.get(deviceId)?.sink.close?.(new CoreError('permission_denied', reason, { details: { reason: 'device_revoked' } }));
    this.channels.delete(deviceId);
    return count;
  }

  /**
   * After a restart: loads the store's unfinished tasks; those past their deadline become timed_out,
   * delivered/running ones go back to queued (re-delivered with attempt + 1), every survivor gets its
   * deadline timer again. Resolves once those writes are committed.
   */
  async recover(): Promise<{ requeued: number; timedOut: number }> {
    let requeued = 0;
    let timedOut = 0;
    let after: string | undefined;
    const writes: Array<Promise<void>> = [];
    for (;;) {
      const batch = this.store.listTasks({ states: UNFINISHED_STATES, limit: 500, ...(after ? { afterTaskId: after } : {}) });
      for (const stored of batch) {
        after = stored.taskId;
        if (this.live.has(stored.taskId)) continue;
        const record: NodeTaskRecord = stored.state === 'queued' ? stored : { ...stored, state: 'queued', updatedAtMs: this.now() };
        const task: LiveTask = { record, waiter: undefined, timer: undefined };
        this.live.set(record.taskId, task);
        this.tasksOf(record.deviceId).queued.push(task);
        if (record.deadlineMs <= this.now()) {
          const settled = this.finish(record.taskId, { state: 'timed_out', success: false, resultJson: null, error: 'deadline passed while the daemon was down' }, { notifyNode: false });
          if (settled) {
            timedOut += 1;
            writes.push(settled);
          }
          continue;
        }
        if (record !== stored) {
          requeued += 1;
          writes.push(this.store.saveTask(record));
        }
        this.arm(task);
      }
      if (batch.length < 500) break;
    }
    await Promise.all(writes);
    return { requeued, timedOut };
  }

  /** Clears timers and fails every waiter with `unavailable`; tasks stay in the store for the next start. */
  shutdown(): void {
    for (const [taskId, task] of this.live) {
      clearTimeout(task.timer);
      task.timer = undefined;
      task.waiter?.reject(new CoreError('unavailable', 'daemon is shutting down; the task stays queued', { details: { taskId } }));
      task.waiter = undefined;
    }
    this.channels.clear();
  }

  private tasksOf(deviceId: string): DeviceTasks {
    let tasks = this.byDevice.get(deviceId);
    if (!tasks) {
      tasks = { queued: [], inFlight: new Map() };
      this.byDevice.set(deviceId, tasks);
    }
    return tasks;
  }

  /** Pushes an in-flight task (first delivery or re-delivery); a throw from the sink leaves it delivered for the next attach. */
  private deliver(task: LiveTask, channel: Channel): void {
    const nowMs = this.now();
    if (task.record.deadlineMs <= nowMs) {
      this.timeOut(task.record.taskId);
      return;
    }
    task.record = { ...task.record, state: 'delivered', attempt: task.record.attempt + 1, deliveredAtMs: nowMs, updatedAtMs: nowMs };
    const { record } = task;
    this.store.saveTask(record).catch(() => undefined);
    try {
      channel.sink.push({ taskId: record.taskId, capability: record.capability, inputJson: record.inputJson, deadlineMs: record.deadlineMs, attempt: record.attempt, maxOutputBytes: record.maxOutputBytes, requestedBy: record.requestedBy });
    } catch {
      // The stream is gone; the task stays delivered and the next attach re-sends it.
      if (this.channels.get(record.deviceId) === channel) this.channels.delete(record.deviceId);
    }
  }

  private arm(task: LiveTask): void {
    clearTimeout(task.timer);
    // Not unref'd: a caller waiting on a task must get its timeout; shutdown() clears every timer.
    task.timer = setTimeout(() => this.timeOut(task.record.taskId), Math.min(Math.max(task.record.deadlineMs - this.now(), 0), 2 ** 31 - 1));
  }

  private timeOut(taskId: string): void {
    const error = new CoreError('deadline_exceeded', 'timed out waiting for the node result', { details: { taskId } });
    this.finish(taskId, { state: 'timed_out', success: false, resultJson: null, error: 'timed out waiting for the node result' }, { notifyNode: true, waiterError: error })?.catch(() => undefined);
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
