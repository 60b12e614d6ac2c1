// /admin/v1/journal: append an event, read pages, verify the hash chain online.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../../../core/index.js';
import { AppendEventBody, chainVerdictToWire, JournalPageQuery, journalRecordToWire } from '../../schemas/journal.js';

export async function adminJournalRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/journal/events', { schema: { body: AppendEventBody }, config: { action: 'journal.append' } }, async (request, reply) => {
    const body = request.body;
    const record = await core.audit.append(request.ctx, {
      kind: body.kind,
      actor: body.actor,
      payload: body.payload ?? {},
      ...(body.event_id ? { eventId: body.event_id } : {}),
      ...(body.session_id ? { sessionId: body.session_id } : {}),
      ...(body.run_id ? { runId: body.run_id } : {}),
      ...(body.timestamp_unix_ms ? { timestampMs: body.timestamp_unix_ms } : {}),
    });
    return reply.code(201).send(journalRecordToWire(record));
  });

  app.get('/journal/events', { schema: { querystring: JournalPageQuery }, config: { action: 'journal.read' } }, async (request) => {
    const records = await core.audit.page(request.ctx, request.query.after_seq ?? 0, request.query.limit ?? 100);
    return { events: records.map(journalRecordToWire), next_after_seq: records.at(-1)?.seq ?? request.query.after_seq ?? 0 };
  });

  // An explicit verification walks every row; the console's audit page resumes from the last verified prefix.
  app.get('/journal/verify', { config: { action: 'journal.read' } }, async (request) => {
    return chainVerdictToWire(await core.audit.verify(request.ctx, { full: true }));
  });
}
