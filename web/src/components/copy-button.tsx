// A button that copies a text to the clipboard and says so.
import { useState } from 'react';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
    setTimeout(() => setCopied(null), 2000);
  };
  return (
    <button type="button" onClick={() => void copy()} aria-live="polite">
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed: select the text' : label}
    </button>
  );
}
