// Runs: every run, filtered by state, a page at a time.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../../api/client';
import type { RunState } from '../../api/types';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime, shortId } from '../../lib/format';

const STATES = ['accepted', 'in_progress', 'done', 'failed', 'cancelled'] as const satisfies readonly RunState[];
const PAGE_SIZE = 50;

export default function RunsPage() {
  const [states, setStates] = useState<RunState[]>([]);
  // Keyset paging: the cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const runs = useQuery({
    queryKey: ['runs', 'list', states, after],
    queryFn: () =>
      unwrap(api.GET('/console/v1/runs', { params: { query: { limit: PAGE_SIZE, ...(states.length ? { state: states.join(',') } : {}), ...(after ? { after_run_id: after } : {}) } } })),
  });
  const toggle = (state: RunState) => {
    setCursors([]);
    setStates((current) => (current.includes(state) ? current.filter((value) => value !== state) : [...current, state]));
  };
  const list = runs.data?.runs ?? [];
  const next = runs.data?.next_after_run_id ?? null;
  return (
    <>
      <h1>Runs</h1>
      <fieldset className="filters">
        <legend>State</legend>
        {STATES.map((state) => (
          <label key={state} className="check">
            <input type="checkbox" checked={states.includes(state)} onChange={() => toggle(state)} /> {state.replace('_', ' ')}
          </label>
        ))}
      </fieldset>
      {runs.isPending ? (
        <Loading what="runs" />
      ) : runs.isError ? (
        <ErrorBox error={runs.error} />
      ) : list.length === 0 ? (
        <Empty>No runs{states.length ? ' in these states' : ' yet'}.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">State</th>
                <th scope="col">Principal</th>
                <th scope="col">Started</th>
                <th scope="col">Tokens</th>
              </tr>
            </thead>
            <tbody>
              {list.map((run) => (
                <tr key={run.run_id}>
                  <td>
                    <Link href={`/runs/${run.run_id}`} className="mono">
                      {shortId(run.run_id)}
                    </Link>
                  </td>
                  <td>
                    <span className={`badge state-${run.state}`}>{run.state.replace('_', ' ')}</span>
                  </td>
                  <td>{run.principal}</td>
                  <td>{formatTime(run.created_at_unix_ms)}</td>
                  <td>{run.completion_tokens}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={next === null} onClick={() => next && setCursors([...cursors, next])}>
          Next page
        </button>
      </div>
    </>
  );
}
