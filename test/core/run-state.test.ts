// The run state machine: every legal move passes, every other move is failed_precondition.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import { canTransition, isTerminal, RUN_STATES, type RunState, transition } from '../../src/core/runs/run-state.js';

const LEGAL: Array<[RunState, RunState]> = [
  ['accepted', 'in_progress'],
  ['accepted', 'failed'],
  ['accepted', 'cancelled'],
  ['in_progress', 'done'],
  ['in_progress', 'failed'],
  ['in_progress', 'cancelled'],
];

describe('run state machine', () => {
  for (const from of RUN_STATES) {
    for (const to of RUN_STATES) {
      const legal = LEGAL.some(([a, b]) => a === from && b === to);
      test(`${from} → ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        assert.equal(canTransition(from, to), legal);
        if (legal) assert.equal(transition(from, to), to);
        else {
          assert.throws(
            () => transition(from, to),
            (error: unknown) => error instanceof CoreError && error.code === 'failed_precondition' && error.message === `illegal run transition ${from} → ${to}`,
          );
        }
      });
    }
  }

  test('done, failed and cancelled are terminal; accepted and in_progress are not', () => {
    assert.deepEqual(RUN_STATES.filter(isTerminal), ['done', 'failed', 'cancelled']);
  });
});
