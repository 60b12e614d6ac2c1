// A bounded log that keeps the latest entries and says when a read left some out.

export interface LogPage<T> {
  entries: T[];
  /** More entries matched than were returned, or matching entries were already dropped. */
  truncated: boolean;
}

export class RingLog<T> {
  private items: T[] = [];
  private dropped = false;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) {
      this.items.splice(0, this.items.length - this.capacity);
      this.dropped = true;
    }
  }

  /** The latest `limit` entries that pass `filter`, oldest first. */
  latest(limit: number, filter: (item: T) => boolean = () => true): LogPage<T> {
    const matching = this.items.filter(filter);
    return { entries: matching.slice(-limit), truncated: matching.length > limit || this.dropped };
  }

  get size(): number {
    return this.items.length;
  }
}
