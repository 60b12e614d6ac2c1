// The run lifecycle state machine: accepted → in_progress → done | failed | cancelled.
import { CoreError } from '../errors.js';

export const RUN_STATES = ['accepted', 'in_progress', 'done', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

const TRANSITIONS: Record<RunState, readonly RunState[]> = {
  accepted: ['in_progress', 'failed', 'cancelled'],
  in_progress: ['done', 'failed', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
};

export function isTerminal(state: RunState): boolean {
  return TRANSITIONS[state].length === 0;
}

export function canTransition(from: RunState, to: RunState): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * Returns `to` when the move is legal.
 * @throws CoreError `failed_precondition` naming both states for any other move.
 */
export function transition(from: RunState, to: RunState): RunState {
  if (!canTransition(from, to)) {
    throw new CoreError('failed_precondition', `illegal run transition ${from} → ${to}`, { details: { from, to } });
  }
  return to;
}
