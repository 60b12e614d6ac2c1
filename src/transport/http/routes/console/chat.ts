// POST /console/v1/chat/sessions/:id/messages: starts a run in the session; answers with its id, or streams it as NDJSON lines.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { toCoreError } from '../../../../core/errors.js';
import type { ApiDeps } from '../../api-deps.js';
import { IdParams, responses } from '../../schemas/common.js';
import { eventToWire } from '../../schemas/runs.js';
import { ChatMessageBody } from '../../schemas/sessions.js';
import { ndjsonLine } from '../../streams.js';

const StartedRunWire = Type.Object({ run_id: Type.String(), session_id: Type.String() });

/** `Accept: application/json` (and not NDJSON) asks for the run id only; the page then watches the run's events. */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('application/x-ndjson');
}

/**
 * NDJSON lines: `meta` {run_id, session_id}, then one `event` per run event, then `complete` {status}; an
 * `error` line precedes `complete` if the stream fails. Leaving does not cancel the run (abort does).
 */
export async function consoleChatRoutes(parent: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core, streams } = deps;

  app.post(
    '/chat/sessions/:id/messages',
    { schema: { params: IdParams, body: ChatMessageBody, response: { ...responses(202, StartedRunWire), 200: { description: 'NDJSON lines (Accept: application/x-ndjson)', content: { 'application/x-ndjson': { schema: Type.String() } } } } }, config: { action: 'runs.start' } },
    async (request, reply) => {
      const ctx = request.ctx;
      const handle = await core.runs.start(ctx, { sessionId: request.params.id, requireExistingSession: true, prompt: request.body.text, closeAfterPrompt: true });
      if (wantsJson(request)) return reply.code(202).send({ run_id: handle.runId, session_id: handle.sessionId });
      return streams.send(reply, 'ndjson', 'application/x-ndjson; charset=utf-8', ndjsonLine({ type: 'heartbeat' }), async ({ signal, write }) => {
        write(ndjsonLine({ type: 'meta', run_id: handle.runId, session_id: handle.sessionId }));
        let status = 'unknown';
        try {
          for await (const event of core.runs.watch(ctx, handle.runId, -1, signal)) {
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
    },
  );
}
