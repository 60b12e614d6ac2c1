// Results the node already produced, by task id (`<state>/finished-tasks.json`): a re-delivered task gets its stored result, not a second run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../../infra/crypto/private-files.js';

export const FINISHED_TASKS_FILE = 'finished-tasks.json';
/** Kept at most; the daemon re-delivers only unfinished tasks, so recent ones are all that matter. */
export const MAX_FINISHED_TASKS = 500;
const KEEP_MS = 24 * 3_600_000;

export interface FinishedTask {
  taskId: string;
  success: boolean;
  outputJson: string;
  error: string;
  finishedAtMs: number;
}

export class FinishedTasks {
  private readonly path: string;
  private readonly byId = new Map<string, FinishedTask>();

  constructor(stateDir: string) {
    this.path = join(stateDir, FINISHED_TASKS_FILE);
    if (!existsSync(this.path)) return;
    try {
      const cutoff = Date.now() - KEEP_MS;
      for (const task of JSON.parse(readFileSync(this.path, 'utf8')) as FinishedTask[]) {
        if (task.finishedAtMs >= cutoff) this.byId.set(task.taskId, task);
      }
    } catch {
      // A torn or foreign file only costs de-duplication of older tasks; it is rewritten on the next result.
    }
  }

  get(taskId: string): FinishedTask | undefined {
    return this.byId.get(taskId);
  }

  /** Records a result durably (atomic write) before it is sent. */
  record(task: FinishedTask): void {
    this.byId.set(task.taskId, task);
    while (this.byId.size > MAX_FINISHED_TASKS) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
    writePrivateFile(this.path, JSON.stringify([...this.byId.values()]));
  }
}
