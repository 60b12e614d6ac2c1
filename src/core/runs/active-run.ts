// ActiveRun: the live state of one run between accept and its final status; the handle transports hold.
import type { Owner } from '../auth/authorize.js';
import { CoreError } from '../errors.js';
import type { RunEventType } from '../events/run-event.js';
import type { ModelMessage } from '../models/model-provider.js';
import type { RunState } from './run-state.js';
import type { RunRecord } from './store.js';

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

  constructor(
    readonly runId: string,
    readonly sessionId: string,
    readonly owner: Owner,
    readonly emit: (type: RunEventType, payload: Record<string, unknown>) => Promise<unknown>,
  ) {}

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
