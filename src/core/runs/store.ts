// Port: what the run engine needs from storage (runs and their tapes). Implemented in infra/store.
import type { RunState } from './run-state.js';

export interface RunRecord {
  runId: string;
  sessionId: string;
  principal: string;
  deviceId: string;
  channel: string | null;
  state: RunState;
  model: string;
  createdAtMs: number;
  updatedAtMs: number;
  finishedAtMs: number | null;
  cancelRequested: boolean;
  cancelReason: string | null;
  failureReason: string | null;
  lastError: string | null;
  promptTokens: number;
  completionTokens: number;
}

export type RunPatch = Partial<
  Pick<
    RunRecord,
    | 'state'
    | 'finishedAtMs'
    | 'cancelRequested'
    | 'cancelReason'
    | 'failureReason'
    | 'lastError'
    | 'promptTokens'
    | 'completionTokens'
  >
> & { updatedAtMs: number };

export interface TapeRow {
  runId: string;
  seq: number;
  eventType: string;
  payloadJson: string;
  createdAtMs: number;
}

export interface RunListFilter {
  /** Owner triple; undefined lists every owner's runs (admin). */
  owner?: { principal: string; deviceId: string; channel: string | null };
  sessionId?: string;
  /** Only runs in one of these states (all states when absent or empty). */
  states?: readonly RunState[];
  afterRunId?: string;
  limit: number;
}

/** Writes settle after their transaction commits; writes commit in the order they were made. */
export interface RunStore {
  insertRun(run: RunRecord): Promise<void>;
  updateRun(runId: string, patch: RunPatch): Promise<void>;
  getRun(runId: string): RunRecord | undefined;
  listRuns(filter: RunListFilter): RunRecord[];
  listUnfinishedRuns(): RunRecord[];
  appendTape(row: TapeRow): Promise<void>;
  readTape(runId: string, afterSeq: number, limit: number): TapeRow[];
  /** Highest taped seq of the run, or -1. */
  lastTapeSeq(runId: string): number;
  countTape(runId: string): number;
}
