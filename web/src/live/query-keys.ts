// Which cached queries a change in the daemon makes stale: journal event kinds → query-key roots.

/** Query-key roots used by the pages; every query key starts with one of them. */
export type QueryRoot = 'session' | 'sessions' | 'runs' | 'run' | 'approvals' | 'nodes' | 'pairing' | 'tokens' | 'audit' | 'overview' | 'canvases' | 'canvas-token';

const BY_PREFIX: Array<[string, QueryRoot[]]> = [
  ['run.', ['runs', 'run', 'sessions', 'overview']],
  ['approval.', ['approvals', 'runs', 'run', 'overview']],
  ['session.', ['sessions']],
  // Not canvas.updated: a canvas's versions reach its frame over its own stream, not through the list.
  ['canvas.created', ['canvases']],
  ['canvas.closed', ['canvases']],
  ['device.pairing', ['pairing', 'nodes']],
  ['device.', ['nodes', 'overview']],
  ['node.', ['nodes', 'overview']],
  ['auth.token', ['tokens']],
  ['auth.denied', ['overview']],
];

/** The roots to refetch for a journal event of `kind`; the audit page shows every event. */
export function staleRoots(kind: string): QueryRoot[] {
  const roots = new Set<QueryRoot>(['audit']);
  for (const [prefix, keys] of BY_PREFIX) if (kind.startsWith(prefix)) for (const key of keys) roots.add(key);
  return [...roots];
}
