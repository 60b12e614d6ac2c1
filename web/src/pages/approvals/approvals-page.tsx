// Approvals: the live queue of pending approvals across runs (CLI, gRPC or console), decided here.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap } from '../../api/client';
import type { DecisionBody } from '../../api/types';
import { ApprovalCard } from '../../components/approval-card';
import { JsonView } from '../../components/json-view';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatTime, relativeTime, shortId } from '../../lib/format';

export default function ApprovalsPage() {
  const pending = useQuery({
    queryKey: ['approvals', 'pending'],
    queryFn: () => unwrap(api.GET('/console/v1/approvals', { params: { query: { pending: true, limit: 200 } } })),
  });
  const decide = useMutation({
    mutationFn: ({ id, decision }: { id: string; decision: DecisionBody }) => unwrap(api.POST('/console/v1/approvals/{id}/decision', { params: { path: { id } }, body: decision })),
  });
  const list = pending.data?.approvals ?? [];
  return (
    <>
      <h1>Approvals</h1>
      <p className="muted">Tool calls waiting for a person, from every run. New ones appear here as they are asked.</p>
      <ErrorBox error={decide.error} />
      {pending.isPending ? (
        <Loading what="approvals" />
      ) : pending.isError ? (
        <ErrorBox error={pending.error} />
      ) : list.length === 0 ? (
        <Empty>No approvals are waiting.</Empty>
      ) : (
        <ul className="cards">
          {list.map((approval) => (
            <li key={approval.approval_id} data-approval-id={approval.approval_id}>
              <p className="muted small">
                Run <Link href={`/runs/${approval.run_id}`}>{shortId(approval.run_id)}</Link> · {approval.principal} · asked {formatTime(approval.requested_at_unix_ms)} · expires{' '}
                {relativeTime(approval.expires_at_unix_ms)}
              </p>
              <ApprovalCard
                title={`Allow ${approval.tool_name}?`}
                summary={approval.request_summary}
                busy={decide.isPending}
                onDecide={(decision) => decide.mutate({ id: approval.approval_id, decision })}
              />
              <JsonView label="Input" text={approval.input_json} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
