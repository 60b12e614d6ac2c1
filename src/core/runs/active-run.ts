// ActiveRun: the live state of one run between accept and its final status; the handle transports hold.
import type { Owner } from '../auth/authorize.js';
import { CoreError } from '../errors.js';
import type { RunEvent, RunEventType } from '../events/run-event.js';
import type { ModelMessage } from '../models/model-provider.js';
import type { RunState } from './run-state.js';
import type { RunRecord } from './store.js';

/** Streamed events allowed in flight per run before the producer waits for their commit. */
const STREAM_BACKLOG = 256;

export type RunInput = { kind: 'turn'; text: string } | { kind: 'close' };

export interface ApprovalAnswer {
  proposalId: string;
  approvalId?: string;
  approved: boolean;
  reason?: string;
  scope?: 'once' | 'session' | 'timeboxed';
  ttlMs?: number;
}

/** What a transport holds while it drives a run. */
export interface RunHandle {
  readonly runId: string;
  readonly sessionId: string;
  /** Queues a follow-up user turn. @throws `failed_precondition` once the run was closed or ended. */
  submit(text: string): void;
  /** The client is done sending: the run completes (DONE) after the queued turns. */
  close(): void;
  /** Answers a pending approval of this run, as its owner. */
  answerApproval(answer: ApprovalAnswer): Promise<void>;
  cancel(reason?: string): void;
  /** The run's events after `afterSeq`, replayed then live (the starter needs no read scope for its own run). */
  events(afterSeq: number, signal: AbortSignal): AsyncGenerator<RunEvent>;
  /** The run's record as stored now (the starter needs no read scope for its own run either). */
  record(): RunRecord;
  /** Ends the run as failed with `error` (a protocol violation by the client); no-op once it ended. */
  fail(error: CoreError): void;
  /** Settles when the run reached a terminal state, with its final record and the error, if any. */
  readonly finished: Promise<{ record: RunRecord; error: CoreError | null }>;
}

/** Mutable per-run state owned by the run engine. */
export class ActiveRun {
  state: RunState = 'accepted';
  readonly controller = new AbortController();
  cancelReason: string | null = null;
  closed = false;
  toolCalls = 0;
  promptTokens = 0;
  completionTokens = 0;
  readonly messages: ModelMessage[] = [];
  /** proposal id → approval id, while an approval of this run waits. */
  readonly pendingApprovals = new Map<string, string>();
  private readonly inputs: RunInput[] = [];
  private wake: (() => void) | undefined;
  private unsettled: Promise<unknown> | undefined;
  private unsettledCount = 0;
  private streamError: unknown;

  constructor(
    readonly runId: string,
    readonly sessionId: string,
    readonly owner: Owner,
    private readonly append: (type: RunEventType, payload: Record<string, unknown>) => Promise<unknown>,
  ) {}

  /** Appends an event and waits until it (and everything streamed before it) is committed. */
  async emit(type: RunEventType, payload: Record<string, unknown>): Promise<void> {
    await this.drain();
    await this.append(type, payload);
  }

  /**
   * Appends a high-rate event (model tokens) without waiting for its commit, so one run's tokens share
   * a transaction instead of paying one each. Order is kept (seq is taken at call time and writes commit
   * in order); the next `emit` waits for all of them, and so does a backlog of STREAM_BACKLOG events,
   * which keeps a run from outpacing its watchers' buffers.
   */
  async stream(type: RunEventType, payload: Record<string, unknown>): Promise<void> {
    const write = this.append(type, payload).catch((error: unknown) => {
      this.streamError ??= error;
    });
    this.unsettled = write;
    this.unsettledCount += 1;
    if (this.unsettledCount >= STREAM_BACKLOG) await this.drain();
  }

  private async drain(): Promise<void> {
    if (this.unsettled) {
      await this.unsettled;
      this.unsettled = undefined;
      this.unsettledCount = 0;
    }
    if (this.streamError !== undefined) throw this.streamError;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  push(input: RunInput): void {
    if (this.closed) throw new CoreError('failed_precondition', 'the run no longer accepts input: it was closed');
    if (input.kind === 'close') this.closed = true;
    this.inputs.push(input);
    this.wake?.();
  }

  /** The next queued input; rejects when the run is aborted. */
  async next(): Promise<RunInput> {
    for (;;) {
      this.signal.throwIfAborted();
      const input = this.inputs.shift();
      if (input) return input;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        this.wake = () => {
          this.signal.removeEventListener('abort', onAbort);
          resolve();
        };
        this.signal.addEventListener('abort', onAbort, { once: true });
      });
      this.wake = undefined;
    }
  }

  abort(reason: CoreError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}
