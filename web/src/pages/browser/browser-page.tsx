// Browser: the signed-in operator's browser sessions (every one for an admin), a session's latest screenshot and action log, close.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { BrowserAction, BrowserSession } from '../../api/types';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime, relativeTime, shortId } from '../../lib/format';

// The stream carries no browser events: the page polls while it is open.
const REFRESH_MS = 5_000;
const STATE_BADGE: Record<BrowserSession['state'], string> = { open: 'state-done', closed: 'state-cancelled', lost: 'state-failed' };

export default function BrowserPage() {
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const sessions = useQuery({ queryKey: ['browser', 'sessions'], queryFn: () => unwrap(api.GET('/console/v1/browser/sessions')), refetchInterval: REFRESH_MS });
  const list = sessions.data?.sessions ?? [];
  const selected = list.find((session) => session.session_id === selectedId) ?? null;
  return (
    <>
      <h1>Browser</h1>
      <p className="muted">
        Headless browser sessions of agents and operators. Open one from a shell with <code>palyra browser open &lt;url&gt;</code>.
      </p>
      <section aria-labelledby="browser-sessions-title">
        <h2 id="browser-sessions-title">Sessions</h2>
        {sessions.isPending ? (
          <Loading what="browser sessions" />
        ) : sessions.isError ? (
          <ErrorBox error={sessions.error} />
        ) : list.length === 0 ? (
          <Empty>No browser sessions yet.</Empty>
        ) : (
          <SessionTable sessions={list} selectedId={selectedId} onSelect={setSelectedId} />
        )}
      </section>
      {selected && <SessionDetail key={selected.session_id} session={selected} />}
    </>
  );
}

function SessionTable({ sessions, selectedId, onSelect }: { sessions: BrowserSession[]; selectedId: string | null; onSelect: (id: string) => void }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">State</th>
            <th scope="col">Page</th>
            <th scope="col">Owner</th>
            <th scope="col">Actions</th>
            <th scope="col">Opened</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.session_id} data-session-id={session.session_id}>
              <td>
                <button type="button" className="link" onClick={() => onSelect(session.session_id)} aria-label={`Show session ${shortId(session.session_id)}`} aria-pressed={session.session_id === selectedId}>
                  <span className="mono">{shortId(session.session_id)}</span>
                </button>
              </td>
              <td>
                <span className={`badge ${STATE_BADGE[session.state]}`}>{session.state}</span>
              </td>
              <td className="mono small">{session.current_url ?? '—'}</td>
              <td>
                {session.principal}
                {session.run_id && <div className="muted small">run {shortId(session.run_id)}</div>}
              </td>
              <td>{session.action_count}</td>
              <td title={formatTime(session.created_at_unix_ms)}>{relativeTime(session.created_at_unix_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SessionDetail({ session }: { session: BrowserSession }) {
  const queryClient = useQueryClient();
  const actions = useQuery({
    queryKey: ['browser', 'actions', session.session_id, session.action_count],
    queryFn: () => unwrap(api.GET('/console/v1/browser/sessions/{id}/actions', { params: { path: { id: session.session_id } } })),
  });
  const close = useMutation({
    mutationFn: () => unwrap(api.POST('/console/v1/browser/sessions/{id}/close', { params: { path: { id: session.session_id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['browser', 'sessions'] }),
  });
  return (
    <section aria-labelledby="browser-session-title" className="panel">
      <h2 id="browser-session-title">
        Session <span className="mono">{session.session_id}</span>
      </h2>
      {session.state === 'open' && (
        <button type="button" className="danger" disabled={close.isPending} onClick={() => close.mutate()}>
          Close session
        </button>
      )}
      <ErrorBox error={close.error} />
      <h3>Latest screenshot</h3>
      {session.latest_screenshot_id === null ? (
        <Empty>No screenshot taken yet.</Empty>
      ) : (
        // The artifact URL changes with each screenshot, so the image is never stale.
        <img className="browser-screenshot" src={`/console/v1/browser/artifacts/${session.latest_screenshot_id}`} alt={`Latest screenshot of ${session.current_url ?? 'the session'}`} />
      )}
      <h3>Action log</h3>
      {actions.isPending ? <Loading what="the action log" /> : actions.isError ? <ErrorBox error={actions.error} /> : <ActionLog actions={actions.data.actions} />}
    </section>
  );
}

function ActionLog({ actions }: { actions: BrowserAction[] }) {
  if (actions.length === 0) return <Empty>No actions.</Empty>;
  return (
    <div className="table-wrap">
      <table className="browser-actions">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {actions.map((entry, index) => (
            <tr key={index}>
              <td title={formatTime(entry.at_unix_ms)}>{relativeTime(entry.at_unix_ms)}</td>
              <td>{entry.action}</td>
              <td className="mono small">{entry.target || '—'}</td>
              <td>
                {entry.success ? (
                  <span className="badge state-done">ok</span>
                ) : (
                  <>
                    <span className="badge state-failed">failed</span> <span className="small">{entry.error}</span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
