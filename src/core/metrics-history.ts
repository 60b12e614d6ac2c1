// MetricsHistory: a short ring of samples of the daemon's own metrics, for the console's charts.
import type { Metrics } from './metrics.js';

export interface MetricsSample {
  atMs: number;
  /** Runs that ended during the interval. */
  runsFinished: number;
  /** Mean run duration of those runs in seconds (null when none ended). */
  runSecondsMean: number | null;
  /** Refused requests (unauthenticated or permission_denied) during the interval. */
  denials: number;
  activeRuns: number;
  pendingApprovals: number;
}

interface Totals {
  runs: number;
  runSeconds: number;
  denials: number;
}

async function sum(metric: { get(): Promise<{ values: Array<{ value: number; metricName?: string }> }> }, name?: string): Promise<number> {
  const { values } = await metric.get();
  return values.filter((value) => name === undefined || value.metricName === name).reduce((total, value) => total + value.value, 0);
}

/** Samples every `intervalMs` (the timer does not keep the process alive) and keeps the newest `size`. */
export class MetricsHistory {
  private readonly ring: MetricsSample[] = [];
  private last: Totals | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly metrics: Metrics,
    private readonly gauges: { activeRuns: () => number; pendingApprovals: () => number },
    readonly intervalMs = 15_000,
    private readonly size = 40,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The kept samples, oldest first, plus one for the interval in progress. */
  async samples(): Promise<MetricsSample[]> {
    return [...this.ring, this.delta(await this.totals())];
  }

  private async sample(): Promise<void> {
    const totals = await this.totals();
    if (this.last !== null) {
      this.ring.push(this.delta(totals));
      if (this.ring.length > this.size) this.ring.shift();
    }
    this.last = totals;
  }

  private delta(totals: Totals): MetricsSample {
    const last = this.last ?? totals;
    const runs = totals.runs - last.runs;
    return {
      atMs: this.now(),
      runsFinished: runs,
      runSecondsMean: runs > 0 ? (totals.runSeconds - last.runSeconds) / runs : null,
      denials: totals.denials - last.denials,
      activeRuns: this.gauges.activeRuns(),
      pendingApprovals: this.gauges.pendingApprovals(),
    };
  }

  private async totals(): Promise<Totals> {
    return {
      runs: await sum(this.metrics.runsFinished),
      runSeconds: await sum(this.metrics.runSeconds, 'palyra_run_duration_seconds_sum'),
      denials: await sum(this.metrics.denials),
    };
  }
}
