// One session's conversation: its runs in order (finished ones from their tape, the live one streamed), the composer and abort.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { DecisionBody, Run } from '../../api/types';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { TranscriptView } from '../../components/transcript-view';
import { buildTranscript } from '../../lib/transcript';
import { useRunTape } from '../../live/run-tape';
import { isLive, readPrompt, rememberPrompt } from './prompts';

export function Conversation({ sessionId }: { sessionId: string }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const runs = useQuery({
    queryKey: ['runs', 'session', sessionId],
    queryFn: () => unwrap(api.GET('/console/v1/runs', { params: { query: { session_id: sessionId, limit: 500 } } })),
  });
  const send = useMutation({
    mutationFn: async (message: string) => {
      const started = await unwrap(
        api.POST('/console/v1/chat/sessions/{id}/messages', { params: { path: { id: sessionId } }, body: { text: message }, headers: { accept: 'application/json' } }),
      );
      // Asked for JSON: the NDJSON stream (the other 2xx answer) would mean the daemon ignored Accept.
      if (typeof started === 'string') throw new Error('the daemon answered with a stream instead of the run id');
      return started;
    },
    onSuccess: (started, message) => {
      rememberPrompt(started.run_id, message);
      setText('');
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
    },
  });
  const list = runs.data?.runs ?? [];
  const liveRun = list.find((run) => isLive(run.state)) ?? null;
  const abort = useMutation({
    mutationFn: (runId: string) => unwrap(api.POST('/console/v1/runs/{id}/abort', { params: { path: { id: runId } }, body: { reason: 'aborted from the console' } })),
  });
  const end = useRef<HTMLDivElement>(null);
  // A block body: scrollIntoView returns a promise in current browsers, and an effect may only return a cleanup function.
  const scrollToEnd = useCallback(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, []);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (text.trim() !== '' && !send.isPending) send.mutate(text);
  };
  return (
    <>
      <div className="messages" aria-live="polite">
        {runs.isPending ? (
          <Loading what="the conversation" />
        ) : runs.isError ? (
          <ErrorBox error={runs.error} />
        ) : list.length === 0 ? (
          <Empty>No messages yet. Say something below.</Empty>
        ) : (
          list.map((run) => <RunMessages key={run.run_id} run={run} onChange={scrollToEnd} />)
        )}
        <div ref={end} />
      </div>
      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer-text" className="visually-hidden">
          Message
        </label>
        <textarea
          id="composer-text"
          value={text}
          rows={3}
          placeholder="Message (Enter sends, Shift+Enter for a new line)"
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey) submit(event);
          }}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={send.isPending || text.trim() === ''}>
            Send
          </button>
          {liveRun && (
            <button type="button" className="danger" disabled={abort.isPending} onClick={() => abort.mutate(liveRun.run_id)}>
              Abort run
            </button>
          )}
        </div>
        <ErrorBox error={send.error ?? abort.error} />
      </form>
    </>
  );
}

/** A run's messages: a run that was live when first shown keeps its stream; a finished one is read as a page. */
function RunMessages({ run, onChange }: { run: Run; onChange(): void }) {
  const [streamed] = useState(() => isLive(run.state));
  const queryClient = useQueryClient();
  const tape = useRunTape(streamed ? run.run_id : null);
  const page = useQuery({
    queryKey: ['run', run.run_id, 'tape'],
    queryFn: () => unwrap(api.GET('/console/v1/runs/{id}/events', { params: { path: { id: run.run_id }, query: { limit: 1000 } } })),
    enabled: !streamed,
    staleTime: Infinity,
  });
  const events = streamed ? tape.events : (page.data?.events ?? []);
  const transcript = useMemo(() => buildTranscript(events), [events]);
  useEffect(onChange, [events.length, onChange]);
  useEffect(() => {
    if (tape.ended) void queryClient.invalidateQueries({ queryKey: ['runs'] });
  }, [tape.ended, queryClient]);
  const decide = useMutation({
    mutationFn: ({ approvalId, decision }: { approvalId: string; decision: DecisionBody }) =>
      unwrap(api.POST('/console/v1/approvals/{id}/decision', { params: { path: { id: approvalId } }, body: decision })),
  });
  if (!streamed && page.isPending) return <Loading what="a run" />;
  return (
    <article className="run-messages" data-run-id={run.run_id} data-run-ended={streamed ? String(tape.ended) : 'true'}>
      <ErrorBox error={page.error ?? decide.error} />
      <TranscriptView prompt={readPrompt(run.run_id)} transcript={transcript} deciding={decide.isPending} onDecide={(approvalId, decision) => decide.mutate({ approvalId, decision })} />
    </article>
  );
}
