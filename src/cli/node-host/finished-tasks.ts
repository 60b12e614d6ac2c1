// Results the node already produced, by task id (`<state>/finished-tasks.jsonl`, one result per line): a re-delivered task gets its stored result, not a second run.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../../infra/crypto/private-files.js';

export const FINISHED_TASKS_FILE = 'finished-tasks.jsonl';
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
  /** Lines in the file; past twice the cap it is rewritten with the kept results only. */
  private lines = 0;

  constructor(stateDir: string) {
    this.path = join(stateDir, FINISHED_TASKS_FILE);
    if (!existsSync(this.path)) return;
    const cutoff = Date.now() - KEEP_MS;
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line) continue;
      this.lines += 1;
      try {
        const task = JSON.parse(line) as FinishedTask;
        if (task.finishedAtMs >= cutoff) this.keep(task);
      } catch {
        // A torn last line (the node died mid-append) only costs de-duplication of that one task.
      }
    }
  }

  get(taskId: string): FinishedTask | undefined {
    return this.byId.get(taskId);
  }

  /**
   * Records a result before it is sent: one appended line, no fsync, so it survives the node
   * process dying (the daemon's own task rows promise the same), not a power loss.
   */
  record(task: FinishedTask): void {
    this.keep(task);
    if (this.lines >= 2 * MAX_FINISHED_TASKS) {
      writePrivateFile(this.path, [...this.byId.values()].map((kept) => `${JSON.stringify(kept)}\n`).join(''));
      this.lines = this.byId.size;
      return;
    }
    appendFileSync(this.path, `${JSON.stringify(task)}\n`, { mode: 0o600 });
    this.lines += 1;
  }

  private keep(task: FinishedTask): void {
    this.byId.delete(task.taskId);
    this.byId.set(task.taskId, task);
    while (this.byId.size > MAX_FINISHED_TASKS) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
  }
}
