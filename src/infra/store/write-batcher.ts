// WriteBatcher: groups the writes queued in one tick into a single SQLite transaction.
import type { Db } from './db.js';

type Write<T> = () => T;

interface Pending {
  write: Write<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Every write queued before the next flush commits in one transaction, so a burst of N appends costs
 * one fsync-free WAL commit instead of N. A write's promise settles only after its transaction
 * committed: an acknowledged write is durable against a process crash. If a batch fails, its writes
 * are retried one by one so a single bad write cannot fail its neighbours.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly afterCommit: Array<() => void> = [];

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 512,
  ) {}

  /** Queues `write` (run inside the batch's transaction) and settles with its result after commit. */
  enqueue<T>(write: Write<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('write batcher is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.schedule();
    });
  }

  /** Runs `callback` once every write queued before it has committed (used to publish after commit). */
  onCommit(callback: () => void): void {
    this.afterCommit.push(callback);
    this.schedule();
  }

  /** Commits everything queued now, synchronously. */
  flush(): void {
    while (this.queue.length > 0) this.commit(this.queue.splice(0, this.maxBatch));
    for (const callback of this.afterCommit.splice(0)) callback();
  }

  /** Flushes and refuses further writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private commit(batch: Pending[]): void {
    if (batch.length === 0) return;
    const results: unknown[] = [];
    try {
      this.db.transaction(() => {
        for (const item of batch) results.push(item.write());
      })();
    } catch {
      this.commitEach(batch);
      return;
    }
    batch.forEach((item, index) => item.resolve(results[index]));
  }

  private commitEach(batch: Pending[]): void {
    for (const item of batch) {
      try {
        item.resolve(this.db.transaction(item.write)());
      } catch (error) {
        item.reject(error);
      }
    }
  }
}
