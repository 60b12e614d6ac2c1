// The console's one live connection (GET /console/v1/events): each change marks the affected cached queries stale.
import type { QueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { type QueryRoot, staleRoots } from './query-keys';
import { openSseStream, type StreamState } from './sse-stream';

let state: StreamState = 'closed';
const stateListeners = new Set<() => void>();

function setState(next: StreamState): void {
  state = next;
  for (const listener of stateListeners) listener();
}

/** The live connection's state, for the header indicator. */
export function useLiveState(): StreamState {
  return useSyncExternalStore(
    (listener) => {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    () => state,
  );
}

/**
 * Connects while signed in (returns the disconnect function). Invalidations are batched per 100 ms so a
 * burst of events refetches each view once. On (re)connect everything is refetched: changes made while
 * disconnected beyond what the server replays are covered that way.
 */
export function connectConsoleEvents(queryClient: QueryClient): () => void {
  const pending = new Set<QueryRoot>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let connectedOnce = false;
  const flush = () => {
    timer = null;
    for (const root of pending) void queryClient.invalidateQueries({ queryKey: [root] });
    pending.clear();
  };
  const mark = (roots: QueryRoot[]) => {
    for (const root of roots) pending.add(root);
    timer ??= setTimeout(flush, 100);
  };
  const close = openSseStream({
    url: '/console/v1/events',
    onState: setState,
    onFrame(frame) {
      if (frame.event === 'change') mark(staleRoots((JSON.parse(frame.data) as { kind: string }).kind));
      else if (frame.event === 'presence') mark(['nodes', 'overview']);
      else if (frame.event === 'reset' || (frame.event === 'ready' && connectedOnce)) void queryClient.invalidateQueries();
      if (frame.event === 'ready') connectedOnce = true;
    },
  });
  return () => {
    close();
    if (timer) clearTimeout(timer);
    setState('closed');
  };
}
