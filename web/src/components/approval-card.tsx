// The decision card of a pending approval: allow once, allow for the session, or deny, with a reason.
import { useState } from 'react';
import type { DecisionBody } from '../api/types';

export interface ApprovalCardProps {
  title: string;
  summary: string;
  busy: boolean;
  onDecide(decision: DecisionBody): void;
}

export function ApprovalCard({ title, summary, busy, onDecide }: ApprovalCardProps) {
  const [reason, setReason] = useState('');
  const decide = (approved: boolean, scope: NonNullable<DecisionBody['decision_scope']>) =>
    onDecide({ approved, decision_scope: scope, ...(reason.trim() ? { reason: reason.trim() } : {}) });
  return (
    <section className="approval-card" aria-label={title}>
      <h3>{title}</h3>
      <p className="mono">{summary}</p>
      <label>
        Reason (optional, kept in the audit journal)
        <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} />
      </label>
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => decide(true, 'once')}>
          Allow once
        </button>
        <button type="button" disabled={busy} onClick={() => decide(true, 'session')}>
          Allow for this session
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => decide(false, 'once')}>
          Deny
        </button>
      </div>
    </section>
  );
}
