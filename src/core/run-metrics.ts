// Run counts and durations for the metrics registry, taken from the journal's run.* events.
import type { JournalRecord } from './journal/journal.js';
import type { Metrics } from './metrics.js';

const FINAL_KINDS: Record<string, string> = { 'run.completed': 'done', 'run.failed': 'failed', 'run.cancelled': 'cancelled' };

/** Runs still open are remembered by start time; a daemon restart forgets them (their duration is unknown). */
export function recordRunMetrics(metrics: Metrics): (record: JournalRecord) => void {
  const startedAtMs = new Map<string, number>();
  return (record) => {
    if (record.runId === null) return;
    if (record.kind === 'run.started') {
      startedAtMs.set(record.runId, record.timestampMs);
      return;
    }
    const state = FINAL_KINDS[record.kind];
    if (state === undefined) return;
    metrics.runsFinished.inc({ state });
    const start = startedAtMs.get(record.runId);
    startedAtMs.delete(record.runId);
    if (start !== undefined) metrics.runSeconds.observe(Math.max(0, record.timestampMs - start) / 1000);
  };
}
