// Audit: the journal a page at a time, the hash chain's status, "verify now", and one event's detail.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { ChainVerdict, JournalEvent } from '../../api/types';
import { JsonView } from '../../components/json-view';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime } from '../../lib/format';

const PAGE_SIZE = 50;

export default function AuditPage() {
  const [cursors, setCursors] = useState<number[]>([0]);
  const [selected, setSelected] = useState<JournalEvent | null>(null);
  const after = cursors.at(-1) ?? 0;
  const page = useQuery({
    queryKey: ['audit', after],
    queryFn: () => unwrap(api.GET('/console/v1/audit/events', { params: { query: { after_seq: after, limit: PAGE_SIZE } } })),
  });
  const verify = useMutation({ mutationFn: () => unwrap(api.POST('/console/v1/audit/verify')) });
  const events = page.data?.events ?? [];
  const chain = verify.data ?? page.data?.chain ?? null;
  return (
    <>
      <div className="row">
        <h1>Audit journal</h1>
        <button type="button" className="primary" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify now'}
        </button>
      </div>
      {chain && <ChainStatus chain={chain} full={verify.data !== undefined} />}
      <ErrorBox error={verify.error} />
      {page.isPending ? (
        <Loading what="journal events" />
      ) : page.isError ? (
        <ErrorBox error={page.error} />
      ) : events.length === 0 ? (
        <Empty>No events after #{after}.</Empty>
      ) : (
        <div className="split">
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Seq</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Principal</th>
                  <th scope="col">Time</th>
                </tr>
              </thead>
              <tbody>
                {events.map((event) => (
                  <tr key={event.seq} className={selected?.seq === event.seq ? 'selected' : undefined}>
                    <td>
                      <button type="button" className="link" onClick={() => setSelected(event)} aria-label={`Show event ${event.seq}`}>
                        #{event.seq}
                      </button>
                    </td>
                    <td className="mono">{event.kind}</td>
                    <td>{event.principal}</td>
                    <td>{formatTime(event.timestamp_unix_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {selected && <EventDetail event={selected} />}
        </div>
      )}
      <div className="actions">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={events.length < PAGE_SIZE} onClick={() => page.data && setCursors([...cursors, page.data.next_after_seq])}>
          Next page
        </button>
      </div>
    </>
  );
}

function ChainStatus({ chain, full }: { chain: ChainVerdict; full: boolean }) {
  return (
    <p className={`chain ${chain.ok ? 'ok' : 'bad'}`} role="status">
      {chain.ok ? `Hash chain intact: ${chain.count} events${full ? ' verified from the first' : ''}.` : `Hash chain BROKEN at #${chain.broken_at_seq}: ${chain.reason}`}
    </p>
  );
}

function EventDetail({ event }: { event: JournalEvent }) {
  return (
    <section className="panel detail" aria-label={`Event ${event.seq}`}>
      <h2>
        #{event.seq} <span className="mono">{event.kind}</span>
      </h2>
      <dl className="facts">
        <dt>Event id</dt>
        <dd className="mono">{event.event_id}</dd>
        <dt>Actor</dt>
        <dd>{event.actor}</dd>
        <dt>Principal</dt>
        <dd>{event.principal}</dd>
        <dt>Device</dt>
        <dd className="mono">{event.device_id}</dd>
        <dt>Run</dt>
        <dd className="mono">{event.run_id ?? '—'}</dd>
        <dt>Hash</dt>
        <dd className="mono small">{event.hash}</dd>
        <dt>Redacted</dt>
        <dd>{event.redacted ? 'yes' : 'no'}</dd>
      </dl>
      <JsonView label="Payload" text={event.payload_json} open />
    </section>
  );
}
