// Nodes: pairing codes (join string, copy, QR), pending pairing requests, paired nodes, invoke and revoke.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { NodeInfo } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { QrCode } from '../../components/qr-code';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime, relativeTime, shortId } from '../../lib/format';
import { InvokeForm } from './invoke-form';

export default function NodesPage() {
  const code = useMutation({ mutationFn: () => unwrap(api.POST('/console/v1/pairing/codes', { body: {} })) });
  const requests = useQuery({
    queryKey: ['pairing', 'pending'],
    queryFn: () => unwrap(api.GET('/console/v1/pairing/requests', { params: { query: { state: 'pending' } } })),
  });
  const nodes = useQuery({ queryKey: ['nodes'], queryFn: () => unwrap(api.GET('/console/v1/nodes', { params: { query: {} } })) });
  const decide = useMutation({
    mutationFn: ({ id, approve }: { id: string; approve: boolean }) =>
      approve
        ? unwrap(api.POST('/console/v1/pairing/requests/{id}/approve', { params: { path: { id } }, body: {} }))
        : unwrap(api.POST('/console/v1/pairing/requests/{id}/reject', { params: { path: { id } }, body: { reason: 'rejected in the console' } })),
  });
  const pending = requests.data?.requests ?? [];
  const list = nodes.data?.nodes ?? [];
  return (
    <>
      <h1>Nodes</h1>
      <section aria-labelledby="pair-title" className="panel">
        <h2 id="pair-title">Pair a node</h2>
        <p className="muted">
          Create a code, then on the node run <code>palyra node pair &lt;join string&gt;</code>, approve its request below, and start it with <code>palyra node run</code>. The join string carries this daemon&apos;s CA fingerprint, so the node pins this daemon.
        </p>
        <button type="button" className="primary" onClick={() => code.mutate()} disabled={code.isPending}>
          Create pairing code
        </button>
        <ErrorBox error={code.error} />
        {code.data && (
          <div className="pairing-code">
            <QrCode text={code.data.join_string} label="QR code of the join string" />
            <div>
              <label>
                Join string
                <input readOnly value={code.data.join_string} className="mono" onFocus={(event) => event.target.select()} />
              </label>
              <CopyButton text={code.data.join_string} label="Copy join string" />
              <p className="muted small">Expires {relativeTime(code.data.expires_at_unix_ms)}.</p>
            </div>
          </div>
        )}
      </section>
      <section aria-labelledby="requests-title">
        <h2 id="requests-title">Pairing requests</h2>
        <ErrorBox error={decide.error} />
        {requests.isPending ? (
          <Loading what="pairing requests" />
        ) : requests.isError ? (
          <ErrorBox error={requests.error} />
        ) : pending.length === 0 ? (
          <Empty>No node is waiting to be paired.</Empty>
        ) : (
          <ul className="cards">
            {pending.map((request) => (
              <li key={request.pairing_id} data-pairing-id={request.pairing_id}>
                <strong>{request.display_name ?? request.client_kind}</strong> <span className="mono small">{request.device_id}</span>
                <p className="muted small">
                  Key {request.key_fingerprint.slice(0, 23)}… from {request.peer ?? 'unknown'} · expires {relativeTime(request.expires_at_unix_ms)}
                </p>
                <div className="actions">
                  <button type="button" className="primary" disabled={decide.isPending} onClick={() => decide.mutate({ id: request.pairing_id, approve: true })}>
                    Approve
                  </button>
                  <button type="button" className="danger" disabled={decide.isPending} onClick={() => decide.mutate({ id: request.pairing_id, approve: false })}>
                    Reject
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="nodes-title">
        <h2 id="nodes-title">Paired nodes</h2>
        {nodes.isPending ? <Loading what="nodes" /> : nodes.isError ? <ErrorBox error={nodes.error} /> : list.length === 0 ? <Empty>No paired nodes.</Empty> : <NodeTable nodes={list} />}
      </section>
      {list.some((node) => node.revoked_at_unix_ms === null) && <InvokeForm nodes={list.filter((node) => node.revoked_at_unix_ms === null)} />}
    </>
  );
}

function NodeTable({ nodes }: { nodes: NodeInfo[] }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/console/v1/nodes/{id}/revoke', { params: { path: { id } }, body: { reason: 'revoked in the console' } })),
    onSettled: () => setConfirming(null),
  });
  return (
    <>
      <ErrorBox error={revoke.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">State</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">Certificate expires</th>
              <th scope="col">Capabilities</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((node) => (
              <tr key={node.device_id} data-device-id={node.device_id}>
                <td>
                  {node.display_name ?? node.client_kind} <span className="mono small muted">{shortId(node.device_id)}</span>
                  <div className="muted small">{node.platform ?? 'not registered'}</div>
                </td>
                <td>
                  <span className={`badge ${node.revoked_at_unix_ms !== null ? 'state-failed' : node.online ? 'state-done' : 'state-cancelled'}`}>
                    {node.revoked_at_unix_ms !== null ? 'revoked' : node.online ? 'online' : 'offline'}
                  </span>
                </td>
                <td title={formatTime(node.last_seen_at_unix_ms)}>{relativeTime(node.last_seen_at_unix_ms)}</td>
                <td title={formatTime(node.cert_expires_at_unix_ms)}>{relativeTime(node.cert_expires_at_unix_ms)}</td>
                <td>{node.capabilities.map((capability) => `${capability.name}${capability.available ? '' : ' (unavailable)'}`).join(', ') || '—'}</td>
                <td>
                  {node.revoked_at_unix_ms === null &&
                    (confirming === node.device_id ? (
                      <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(node.device_id)}>
                        Confirm revoke
                      </button>
                    ) : (
                      <button type="button" onClick={() => setConfirming(node.device_id)}>
                        Revoke
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
