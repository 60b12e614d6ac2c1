// POST /console/v1/chat/sessions/:id/messages: starts a run in the session and streams it as NDJSON lines.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { toCoreError } from '../../../../core/errors.js';
import type { ApiDeps } from '../../api-deps.js';
import { IdParams } from '../../schemas/common.js';
import { eventToWire } from '../../schemas/runs.js';
import { ChatMessageBody } from '../../schemas/sessions.js';
import { ndjsonLine } from '../../streams.js';

/**
 * Lines: `meta` {run_id, session_id}, then one `event` per run event, then `complete` {status}; an
 * `error` line precedes `complete` if the stream fails. Leaving does not cancel the run (abort does).
 */
export async function consoleChatRoutes(parent: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core, streams } = deps;

  app.post('/chat/sessions/:id/messages', { schema: { params: IdParams, body: ChatMessageBody }, config: { action: 'runs.start' } }, async (request, reply) => {
    const handle = await core.runs.start(request.ctx, { sessionId: request.params.id, requireExistingSession: true, prompt: request.body.text, closeAfterPrompt: true });
    return streams.send(reply, 'ndjson', 'application/x-ndjson; charset=utf-8', ndjsonLine({ type: 'heartbeat' }), async ({ signal, write }) => {
      write(ndjsonLine({ type: 'meta', run_id: handle.runId, session_id: handle.sessionId }));
      let status = 'unknown';
      try {
        for await (const event of handle.events(-1, signal)) {
          if (event.type === 'status') status = String(event.payload.kind);
          await write(ndjsonLine({ type: 'event', run_id: handle.runId, event: eventToWire(event) }));
        }
      } catch (error) {
        const coreError = toCoreError(error);
        if (coreError.code === 'internal') request.log.error({ err: error }, 'chat stream failed');
        write(ndjsonLine({ type: 'error', run_id: handle.runId, code: coreError.code, error: coreError.code === 'internal' ? 'internal error' : coreError.message }));
        status = 'failed';
      }
      if (!signal.aborted) write(ndjsonLine({ type: 'complete', run_id: handle.runId, status }));
    });
  });
}
