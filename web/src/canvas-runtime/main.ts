// The canvas runtime: follows the canvas's versions over SSE, renders each, and talks to the console by postMessage only.
import './runtime.css';
import { renderState } from './render';

interface VersionMessage {
  canvas_id: string;
  version: number;
  state: Record<string, unknown>;
  updated_at_unix_ms: number;
  closed: boolean;
}

const script = document.currentScript as HTMLScriptElement;
const canvasId = script.dataset.canvasId ?? '';
const parentOrigin = script.dataset.parentOrigin ?? '';
const base = script.dataset.base ?? '';
const token = script.dataset.token ?? '';
let version = 0;
let closed = false;
let source: EventSource | null = null;
let retryTimer: number | undefined;
const root = document.getElementById('canvas-root') as HTMLElement;

/** Everything goes to the console window only, and only at the console's origin. */
function tellParent(message: Record<string, unknown>): void {
  window.parent.postMessage({ ...message, canvas_id: canvasId }, parentOrigin);
}

function render(message: VersionMessage): void {
  if (message.version <= version) return;
  version = message.version;
  closed = message.closed;
  renderState(root, message.state, {
    readOnly: closed,
    assetUrl: (path) => `${base}/bundle/${canvasId}/${path.split('/').map(encodeURIComponent).join('/')}?token=${encodeURIComponent(token)}`,
    onAction: (action, values) => tellParent({ type: 'palyra.canvas.action', version, action, values }),
  });
  tellParent({ type: 'palyra.canvas.rendered', version, updated_at_unix_ms: message.updated_at_unix_ms, closed });
}

// The runtime reconnects by itself (with ?after_version) rather than letting EventSource resend
// Last-Event-ID, a header that would need a CORS preflight from the frame's opaque origin.
function connect(): void {
  source?.close();
  const url = `${base}/events/${canvasId}?token=${encodeURIComponent(token)}&after_version=${version}`;
  source = new EventSource(url);
  source.addEventListener('version', (event) => render(JSON.parse((event as MessageEvent<string>).data) as VersionMessage));
  source.addEventListener('error', () => {
    source?.close();
    source = null;
    if (closed) return;
    tellParent({ type: 'palyra.canvas.disconnected', version });
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(connect, 1000);
  });
}

connect();
tellParent({ type: 'palyra.canvas.ready' });
