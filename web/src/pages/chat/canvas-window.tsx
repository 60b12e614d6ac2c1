// One canvas filling the window: the same sandboxed frame as in the chat pane, so its buttons and forms still reach the agent.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap } from '../../api/client';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { CanvasFrame } from './canvas-pane';

export default function CanvasWindow({ sessionId, canvasId }: { sessionId: string; canvasId: string }) {
  const canvases = useQuery({
    queryKey: ['canvases', sessionId],
    queryFn: () => unwrap(api.GET('/console/v1/chat/sessions/{id}/canvases', { params: { path: { id: sessionId } } })),
  });
  const canvas = canvases.data?.canvases.find((candidate) => candidate.canvas_id === canvasId);
  return (
    <section className="canvas-window" aria-label="Canvas">
      <div className="row">
        <h1>{canvas?.title ?? 'Canvas'}</h1>
        <Link href={`/chat/${sessionId}`}>Back to the chat</Link>
      </div>
      {canvases.isPending ? <Loading what="the canvas" /> : null}
      <ErrorBox error={canvases.error} />
      {canvases.isSuccess && !canvas ? <Empty>This session has no canvas {canvasId}.</Empty> : null}
      {canvas ? <CanvasFrame canvas={canvas} sessionId={sessionId} full /> : null}
    </section>
  );
}
