// Chat: the session list (search, new, archive) beside the selected session's conversation.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, unwrap } from '../../api/client';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime } from '../../lib/format';
import { CanvasPane } from './canvas-pane';
import { Conversation } from './conversation';

export function ChatPage({ sessionId }: { sessionId: string | null }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [search, setSearch] = useState('');
  const sessions = useQuery({
    queryKey: ['sessions', search],
    queryFn: () => unwrap(api.GET('/console/v1/sessions', { params: { query: { limit: 100, ...(search.trim() ? { q: search.trim() } : {}) } } })),
  });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/console/v1/sessions', { body: { session_label: `Chat ${new Date().toLocaleString()}` } })),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
      navigate(`/chat/${result.session.session_id}`);
    },
  });
  const archive = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/console/v1/sessions/{id}/archive', { params: { path: { id } } })),
    onSuccess: (_result, id) => {
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
      if (id === sessionId) navigate('/chat');
    },
  });
  const list = sessions.data?.sessions ?? [];
  return (
    <div className="chat-layout">
      <aside className="session-list" aria-label="Chat sessions">
        <div className="row">
          <h1>Chat</h1>
          <button type="button" className="primary" onClick={() => create.mutate()} disabled={create.isPending}>
            New chat
          </button>
        </div>
        <label className="search">
          Search sessions
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="key or label" />
        </label>
        <ErrorBox error={create.error ?? archive.error} />
        {sessions.isPending ? (
          <Loading what="sessions" />
        ) : sessions.isError ? (
          <ErrorBox error={sessions.error} />
        ) : list.length === 0 ? (
          <Empty>{search ? 'No session matches.' : 'No sessions yet. Start one with "New chat".'}</Empty>
        ) : (
          <ul>
            {list.map((session) => (
              <li key={session.session_id} className={session.session_id === sessionId ? 'selected' : undefined}>
                <Link href={`/chat/${session.session_id}`} aria-current={session.session_id === sessionId ? 'page' : undefined}>
                  <span>{session.label ?? session.session_key}</span>
                  <span className="muted small">{formatTime(session.updated_at_unix_ms)}</span>
                </Link>
                <button type="button" className="link small" aria-label={`Archive ${session.label ?? session.session_key}`} onClick={() => archive.mutate(session.session_id)}>
                  Archive
                </button>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <section className="conversation" aria-label="Conversation">
        {sessionId ? <Conversation key={sessionId} sessionId={sessionId} /> : <Empty>Pick a session on the left, or start a new chat.</Empty>}
      </section>
      {sessionId ? <CanvasPane key={sessionId} sessionId={sessionId} /> : null}
    </div>
  );
}
