// The canvas pane beside the chat: the session's canvases as tabs, each a sandboxed frame that updates itself live.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../../api/client';
import type { CanvasSummary } from '../../api/types';
import { ErrorBox } from '../../components/states';

/** A viewing token is renewed this long before it runs out (the frame reloads with the new one)… */
const RENEW_BEFORE_MS = 60_000;
/** …or, for a short-lived token, once this share of its lifetime is left. */
const RENEW_AT_SHARE_LEFT = 0.25;
/** What a sandboxed frame's messages carry as their origin. */
const OPAQUE_ORIGIN = 'null';

export function CanvasPane({ sessionId }: { sessionId: string }) {
  const canvases = useQuery({
    queryKey: ['canvases', sessionId],
    queryFn: () => unwrap(api.GET('/console/v1/chat/sessions/{id}/canvases', { params: { path: { id: sessionId } } })),
  });
  const [selected, setSelected] = useState<string | null>(null);
  const list = canvases.data?.canvases ?? [];
  if (list.length === 0) return canvases.isError ? <ErrorBox error={canvases.error} /> : null;
  const active = list.find((canvas) => canvas.canvas_id === selected) ?? (list.at(-1) as CanvasSummary);
  return (
    <section className="canvas-pane" aria-label="Canvases">
      <div role="tablist" aria-label="Canvases of this session" className="canvas-tabs">
        {list.map((canvas) => (
          <button key={canvas.canvas_id} type="button" role="tab" aria-selected={canvas.canvas_id === active.canvas_id} onClick={() => setSelected(canvas.canvas_id)}>
            {canvas.title}
            {canvas.closed ? <span className="muted small"> (closed)</span> : null}
          </button>
        ))}
      </div>
      <CanvasFrame key={active.canvas_id} canvas={active} sessionId={sessionId} />
    </section>
  );
}

/** A canvas's sandboxed frame with its token kept fresh; `full` fills the window (the canvas window page). */
export function CanvasFrame({ canvas, sessionId, full = false }: { canvas: CanvasSummary; sessionId: string; full?: boolean }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const token = useQuery({
    // Its own root, not under 'canvases': a canvas created or closed refetches the list, and a new token
    // here would reload this frame and lose what the person was typing in it.
    queryKey: ['canvas-token', canvas.canvas_id],
    queryFn: () => unwrap(api.POST('/console/v1/canvases/{id}/token', { params: { path: { id: canvas.canvas_id } }, body: {} })),
    staleTime: Infinity,
    // Renewal: a fresh token (and a frame reloaded with it) shortly before the current one expires.
    refetchInterval: (query) => {
      const expiresAt = query.state.data?.expires_at_unix_ms;
      if (expiresAt === undefined) return false;
      const lifetimeMs = expiresAt - query.state.dataUpdatedAt;
      return Math.max(expiresAt - Date.now() - Math.min(RENEW_BEFORE_MS, lifetimeMs * RENEW_AT_SHARE_LEFT), 1_000);
    },
  });
  const act = useMutation({
    mutationFn: (input: { version: number; action: string; values: Record<string, string> }) =>
      unwrap(api.POST('/console/v1/canvases/{id}/actions', { params: { path: { id: canvas.canvas_id } }, body: input })),
  });
  const { mutate } = act;
  useEffect(() => {
    // Only this frame's messages count: its window, and the opaque origin its sandbox gives it.
    const onMessage = (event: MessageEvent<unknown>) => {
      if (event.source !== frame.current?.contentWindow || event.origin !== OPAQUE_ORIGIN) return;
      const data = event.data as { type?: unknown; version?: unknown; action?: unknown; values?: unknown } | null;
      if (data?.type !== 'palyra.canvas.action' || typeof data.version !== 'number' || typeof data.action !== 'string') return;
      const values = typeof data.values === 'object' && data.values !== null ? Object.fromEntries(Object.entries(data.values).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
      mutate({ version: data.version, action: data.action, values });
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [mutate]);
  const url = token.data?.frame_url;
  return (
    <div className={full ? 'canvas-frame canvas-frame-full' : 'canvas-frame'}>
      <div className="row">
        <span className="muted small">{canvas.closed ? 'Closed: read-only' : 'Live'}</span>
        {full ? null : (
          <Link href={`/chat/${sessionId}/canvases/${canvas.canvas_id}`} className="small">
            Open full window
          </Link>
        )}
      </div>
      <ErrorBox error={token.error ?? act.error} />
      {url ? <iframe ref={frame} title={`Canvas: ${canvas.title}`} src={url} sandbox="allow-scripts" referrerPolicy="no-referrer" /> : null}
    </div>
  );
}
