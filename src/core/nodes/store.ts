// Port: the durable per-node task queue; infra/store/node-store.ts implements it on SQLite.

export type TaskState = 'queued' | 'delivered' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

/** States a task can still leave; everything else is final. */
export const UNFINISHED_STATES: readonly TaskState[] = ['queued', 'delivered', 'running'];
/** Delivered to the node and not finished: what counts against the in-flight bound. */
export const IN_FLIGHT_STATES: readonly TaskState[] = ['delivered', 'running'];

export interface NodeTaskRecord {
  taskId: string;
  deviceId: string;
  capability: string;
  /** Compact JSON text of the input. */
  inputJson: string;
  state: TaskState;
  /** Deliveries so far: 0 while never delivered, 1 on first delivery, more after re-delivery. */
  attempt: number;
  maxOutputBytes: number;
  createdAtMs: number;
  deadlineMs: number;
  deliveredAtMs: number | null;
  finishedAtMs: number | null;
  updatedAtMs: number;
  /** Last progress stage the node reported. */
  progressStage: string | null;
  success: boolean | null;
  /** Compact JSON text of the node's output, when it sent one. */
  resultJson: string | null;
  error: string | null;
  requestedBy: string;
  runId: string | null;
  sessionId: string | null;
}

export interface NodeTaskFilter {
  deviceId?: string;
  states?: readonly TaskState[];
  afterTaskId?: string;
  limit: number;
}

export interface NodeTaskStore {
  insertTask(record: NodeTaskRecord): void;
  getTask(taskId: string): NodeTaskRecord | undefined;
  countTasks(deviceId: string, states: readonly TaskState[]): number;
  /** Tasks in task id (= creation) order. */
  listTasks(filter: NodeTaskFilter): NodeTaskRecord[];
  /** Applies `patch` only while the task is in one of `from`; false when it was not (someone else moved it). */
  updateTask(taskId: string, from: readonly TaskState[], patch: Partial<NodeTaskRecord>): boolean;
  /** Deletes finished tasks that finished before `beforeMs`; returns how many. */
  deleteFinishedBefore(beforeMs: number): number;
}
