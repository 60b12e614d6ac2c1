// What the user typed, per run: the tape holds the model's side only, so the tab keeps its own messages (sessionStorage survives a reload).
import type { RunState } from '../../api/types';

const key = (runId: string) => `palyra.prompt.${runId}`;

export function rememberPrompt(runId: string, text: string): void {
  sessionStorage.setItem(key(runId), text);
}

export function readPrompt(runId: string): string | null {
  return sessionStorage.getItem(key(runId));
}

export function isLive(state: RunState): boolean {
  return state === 'accepted' || state === 'in_progress';
}
