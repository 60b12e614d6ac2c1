// Invoke a capability of a paired node with JSON input and show the task result.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { NodeInfo } from '../../api/types';
import { JsonView } from '../../components/json-view';
import { ErrorBox } from '../../components/states';

export function InvokeForm({ nodes }: { nodes: NodeInfo[] }) {
  const [deviceId, setDeviceId] = useState(nodes[0]?.device_id ?? '');
  const node = nodes.find((candidate) => candidate.device_id === deviceId) ?? nodes[0];
  const [capability, setCapability] = useState('');
  const [input, setInput] = useState('{}');
  const [inputError, setInputError] = useState<string | null>(null);
  const invoke = useMutation({
    mutationFn: (body: { capability: string; input: unknown }) => unwrap(api.POST('/console/v1/nodes/{id}/invoke', { params: { path: { id: node?.device_id ?? '' } }, body })),
  });
  const chosen = capability || node?.capabilities[0]?.name || '';
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      setInputError('Input is not valid JSON');
      return;
    }
    setInputError(null);
    invoke.mutate({ capability: chosen, input: parsed });
  };
  return (
    <section aria-labelledby="invoke-title" className="panel">
      <h2 id="invoke-title">Invoke a capability</h2>
      <form onSubmit={submit} className="form-grid">
        <label>
          Node
          <select value={node?.device_id ?? ''} onChange={(event) => setDeviceId(event.target.value)}>
            {nodes.map((option) => (
              <option key={option.device_id} value={option.device_id}>
                {option.display_name ?? option.client_kind} ({option.device_id.slice(-6)})
              </option>
            ))}
          </select>
        </label>
        <label>
          Capability
          <select value={chosen} onChange={(event) => setCapability(event.target.value)}>
            {(node?.capabilities ?? []).map((option) => (
              <option key={option.name} value={option.name}>
                {option.name}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          Input (JSON)
          <textarea className="mono" rows={4} value={input} onChange={(event) => setInput(event.target.value)} aria-invalid={inputError !== null} />
        </label>
        {inputError && (
          <p className="bad" role="alert">
            {inputError}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={invoke.isPending || chosen === ''}>
            {invoke.isPending ? 'Invoking…' : 'Invoke'}
          </button>
        </div>
      </form>
      <ErrorBox error={invoke.error} />
      {invoke.data && (
        <div className="invoke-result" role="status">
          <p className={invoke.data.success ? 'ok' : 'bad'}>{invoke.data.success ? 'Succeeded' : `Failed: ${invoke.data.error ?? ''}`}</p>
          <JsonView label="Output" text={JSON.stringify(invoke.data.output)} open />
        </div>
      )}
    </section>
  );
}
