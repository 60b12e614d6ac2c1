// GET /console/v1/events: one Server-Sent Event stream of what changed in the daemon, for the console's live views.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CoreError } from '../../../../core/errors.js';
import type { JournalRecord } from '../../../../core/journal/journal.js';
import type { ApiDeps } from '../../api-deps.js';
import { SSE_HEARTBEAT } from '../../streams.js';

/** Events missed while disconnected that are replayed; past this the client is told to reload everything. */
export const LIVE_REPLAY_LIMIT = 500;

/** `change` frames carry the journal seq as `id`, so a reconnecting EventSource resumes after the last one it saw. */
function changeFrame(record: JournalRecord): string {
  const data = { seq: record.seq, kind: record.kind, run_id: record.runId, session_id: record.sessionId };
  return `id: ${record.seq}\nevent: change\ndata: ${JSON.stringify(data)}\n\n`;
}

function lastEventId(request: FastifyRequest): number | null {
  const header = request.headers['last-event-id'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return null;
  if (!/^\d{1,15}$/.test(value)) throw new CoreError('invalid_argument', 'Last-Event-ID must be a journal seq');
  return Number(value);
}

/**
 * Frames: `ready` (id = the journal head) once the stream is live; `change` {seq, kind, run_id,
 * session_id} for every journal event (runs, approvals, pairing, devices, tokens, sessions...);
 * `presence` {device_id} when a node connects or disconnects; `reset` when more was missed than is
 * replayed (reload every view). Pages read the data through the API; the stream only says what to reload.
 */
export async function consoleLiveRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { core, streams } = deps;

  const schema = {
    description: 'Server-Sent Events: ready, change {seq, kind, run_id, session_id}, presence {device_id}, reset. Resume with Last-Event-ID.',
    response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
  };
  app.get('/events', { schema, config: { action: 'journal.read' } }, async (request, reply) => {
    core.authorizer.authorize(request.ctx, 'journal.read');
    const resumeAfter = lastEventId(request);
    return streams.send(reply, 'sse', 'text/event-stream; charset=utf-8', SSE_HEARTBEAT, async ({ signal, write }) => {
      write('retry: 2000\n\n');
      // Subscribe before reading the missed page, then drop live events the page already covered.
      let replayedUpTo = -1;
      const live: JournalRecord[] = [];
      let replaying = true;
      const unsubscribeJournal = core.journal.onAppended((record) => {
        if (replaying) live.push(record);
        else if (record.seq > replayedUpTo) write(changeFrame(record));
      });
      const unsubscribePresence = core.devices?.onPresence((deviceId) => write(`event: presence\ndata: ${JSON.stringify({ device_id: deviceId })}\n\n`));
      try {
        let head = (await core.journal.head())?.seq ?? 0;
        if (resumeAfter !== null && resumeAfter < head) {
          const missed = await core.journal.page(resumeAfter, LIVE_REPLAY_LIMIT);
          const last = missed.at(-1)?.seq ?? head;
          if (missed.length === LIVE_REPLAY_LIMIT && last < head) write('event: reset\ndata: {}\n\n');
          else for (const record of missed) write(changeFrame(record));
          head = Math.max(head, last);
        }
        write(`id: ${head}\nevent: ready\ndata: ${JSON.stringify({ head_seq: head })}\n\n`);
        replayedUpTo = head;
        replaying = false;
        for (const record of live.splice(0)) if (record.seq > replayedUpTo) write(changeFrame(record));
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      } finally {
        unsubscribeJournal();
        unsubscribePresence?.();
      }
    });
  });
}
