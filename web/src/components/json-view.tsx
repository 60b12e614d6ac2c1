// JSON or long text shown collapsed, and cut at a few lines with "Show all" when long.
import { useState } from 'react';
import { prettyJson } from '../lib/format';

const PREVIEW_CHARS = 600;

export function JsonView({ label, text, open = false }: { label: string; text: string; open?: boolean }) {
  const [all, setAll] = useState(false);
  const pretty = prettyJson(text);
  const long = pretty.length > PREVIEW_CHARS;
  return (
    <details className="json-view" open={open}>
      <summary>{label}</summary>
      <pre>{long && !all ? `${pretty.slice(0, PREVIEW_CHARS)}…` : pretty}</pre>
      {long && (
        <button type="button" className="link" onClick={() => setAll(!all)}>
          {all ? 'Show less' : `Show all (${pretty.length.toLocaleString()} characters)`}
        </button>
      )}
    </details>
  );
}
