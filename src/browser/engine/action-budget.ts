// One session's action budget: a count per session and a one-second sliding window.
import { CoreError } from '../../core/errors.js';

export class ActionBudget {
  private used = 0;
  private readonly recentMs: number[] = [];

  constructor(
    private readonly maxPerSession: number,
    private readonly maxPerSecond: number,
  ) {}

  get count(): number {
    return this.used;
  }

  /** Counts one action. @throws `resource_exhausted` when the session's budget or rate is spent. */
  take(action: string, nowMs = performance.now()): void {
    if (this.used >= this.maxPerSession) {
      throw new CoreError('resource_exhausted', `${action} refused: the session's budget of ${this.maxPerSession} actions is spent`, {
        details: { limit: 'max_actions_per_session', value: this.maxPerSession },
      });
    }
    while (this.recentMs.length > 0 && nowMs - (this.recentMs[0] as number) >= 1000) this.recentMs.shift();
    if (this.recentMs.length >= this.maxPerSecond) {
      throw new CoreError('resource_exhausted', `${action} refused: more than ${this.maxPerSecond} actions per second in this session`, {
        details: { limit: 'max_actions_per_second', value: this.maxPerSecond },
      });
    }
    this.recentMs.push(nowMs);
    this.used += 1;
  }
}
