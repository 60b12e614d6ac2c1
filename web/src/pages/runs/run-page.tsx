// A run: its facts, its live tape (seq, kind, time, payload) and cancel.
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { JsonView } from '../../components/json-view';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime } from '../../lib/format';
import { useRunTape } from '../../live/run-tape';
import { isLive } from '../chat/prompts';

export default function RunPage({ runId }: { runId: string }) {
  const run = useQuery({ queryKey: ['run', runId], queryFn: () => unwrap(api.GET('/console/v1/runs/{id}', { params: { path: { id: runId } } })) });
  const tape = useRunTape(runId);
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/console/v1/runs/{id}/abort', { params: { path: { id: runId } }, body: { reason: 'cancelled from the console' } })),
  });
  if (run.isPending) return <Loading what="the run" />;
  if (run.isError) return <ErrorBox error={run.error} />;
  const record = run.data.run;
  return (
    <>
      <div className="row">
        <h1>
          Run <span className="mono">{record.run_id}</span>
        </h1>
        {isLive(record.state) && !tape.ended && (
          <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            Cancel run
          </button>
        )}
      </div>
      <ErrorBox error={cancel.error} />
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <span className={`badge state-${record.state}`}>{record.state.replace('_', ' ')}</span>
          {record.last_error ? ` — ${record.last_error}` : ''}
        </dd>
        <dt>Session</dt>
        <dd className="mono">{record.session_id}</dd>
        <dt>Principal</dt>
        <dd>{record.principal}</dd>
        <dt>Model</dt>
        <dd>{record.model}</dd>
        <dt>Started</dt>
        <dd>{formatTime(record.created_at_unix_ms)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(record.finished_at_unix_ms)}</dd>
        <dt>Tokens</dt>
        <dd>
          {record.prompt_tokens} prompt, {record.completion_tokens} completion
        </dd>
      </dl>
      <h2>
        Tape <span className="muted small">({tape.events.length} events{tape.ended ? ', ended' : `, ${tape.state}`})</span>
      </h2>
      {tape.events.length === 0 ? (
        <Empty>{tape.state === 'open' || tape.state === 'connecting' ? 'Waiting for events…' : 'No events.'}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="tape">
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">Kind</th>
                <th scope="col">Time</th>
                <th scope="col">Payload</th>
              </tr>
            </thead>
            <tbody>
              {tape.events.map((event) => (
                <tr key={event.seq}>
                  <td>{event.seq}</td>
                  <td className="mono">{event.event_type}</td>
                  <td>{new Date(event.created_at_unix_ms).toLocaleTimeString()}</td>
                  <td>
                    <JsonView label={summary(event.payload)} text={JSON.stringify(event.payload)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function summary(payload: Record<string, unknown>): string {
  const text = JSON.stringify(payload);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
