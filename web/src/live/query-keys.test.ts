// staleRoots: which cached views a journal event makes stale.
import { describe, expect, it } from 'vitest';
import { staleRoots } from './query-keys';

describe('staleRoots', () => {
  it('approval.requested → approvals, runs and overview (and audit)', () => {
    expect(staleRoots('approval.requested').sort()).toEqual(['approvals', 'audit', 'overview', 'run', 'runs']);
  });

  it('device.pairing_requested → pairing and nodes; an unknown kind → audit only', () => {
    expect(staleRoots('device.pairing_requested')).toEqual(expect.arrayContaining(['pairing', 'nodes']));
    expect(staleRoots('something.else')).toEqual(['audit']);
  });
});
