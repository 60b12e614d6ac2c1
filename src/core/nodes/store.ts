// Port: the durable record of node tasks; infra/store/node-store.ts implements it on SQLite.

export type TaskState = 'queued' | 'delivered' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

/** States a task can still leave; everything else is final. */
export const UNFINISHED_STATES: readonly TaskState[] = ['queued', 'delivered', 'running'];

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
  /**
   * Writes the whole record (insert or replace) in the next group commit; the promise settles once
   * that transaction committed. Writes commit in call order, and the record is copied at the call.
   */
  saveTask(record: NodeTaskRecord): Promise<void>;
  /** Committed state only: a save not yet committed is not visible here. */
  getTask(taskId: string): NodeTaskRecord | undefined;
  /** Tasks in task id (= creation) order; committed state only. */
  listTasks(filter: NodeTaskFilter): NodeTaskRecord[];
  /** Deletes finished tasks that finished before `beforeMs`; returns how many. */
  deleteFinishedBefore(beforeMs: number): number;
}
