// What task and node queries return.
import type { DeviceView } from '../devices/devices.js';
import type { NodeTaskRecord, TaskState } from './store.js';

export interface TaskView {
  taskId: string;
  deviceId: string;
  capability: string;
  state: TaskState;
  attempt: number;
  createdAtMs: number;
  deadlineMs: number;
  deliveredAtMs: number | null;
  finishedAtMs: number | null;
  progressStage: string | null;
  success: boolean | null;
  outputJson: string | null;
  error: string | null;
  requestedBy: string;
  runId: string | null;
  sessionId: string | null;
}

/** NodeSummary: a device plus its task channel and queue. */
export interface NodeView extends DeviceView {
  queuedTasks: number;
  runningTasks: number;
}

export function toTaskView(task: NodeTaskRecord): TaskView {
  return {
    taskId: task.taskId,
    deviceId: task.deviceId,
    capability: task.capability,
    state: task.state,
    attempt: task.attempt,
    createdAtMs: task.createdAtMs,
    deadlineMs: task.deadlineMs,
    deliveredAtMs: task.deliveredAtMs,
    finishedAtMs: task.finishedAtMs,
    progressStage: task.progressStage,
    success: task.success,
    outputJson: task.resultJson,
    error: task.error,
    requestedBy: task.requestedBy,
    runId: task.runId,
    sessionId: task.sessionId,
  };
}
