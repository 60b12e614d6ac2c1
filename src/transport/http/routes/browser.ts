// /admin/v1 and /console/v1 browser routes: sessions (open, navigate, screenshot, close), action logs, latest screenshots, artifact downloads.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { BrowserSessions } from '../../../core/browser/browser-sessions.js';
import { CoreError } from '../../../core/errors.js';
import type { Core } from '../../../core/index.js';
import Type from 'typebox';
import { actionLogToWire, BrowserActionLogWire, BrowserSessionListWire, BrowserSessionWire, browserSessionToWire } from '../schemas/browser.js';
import { IdParams, responses } from '../schemas/common.js';

function browser(core: Core): BrowserSessions {
  if (!core.browser) throw new CoreError('unavailable', 'the browser service is not configured on this daemon');
  return core.browser;
}

function sendArtifact(reply: FastifyReply, artifact: { record: { mimeType: string; artifactId: string; kind: string; sha256: string }; content: Buffer }) {
  const extension = artifact.record.kind === 'pdf' ? 'pdf' : artifact.record.mimeType === 'image/jpeg' ? 'jpg' : 'png';
  return reply
    .type(artifact.record.mimeType)
    .header('content-disposition', `attachment; filename="${artifact.record.artifactId}.${extension}"`)
    .header('x-content-sha256', artifact.record.sha256)
    .header('cache-control', 'private, no-store')
    .send(artifact.content);
}

const OpenBody = Type.Optional(Type.Object({ url: Type.Optional(Type.String({ minLength: 1, maxLength: 8_192 })) }, { additionalProperties: false }));
const NavigateBody = Type.Object({ url: Type.String({ minLength: 1, maxLength: 8_192 }) }, { additionalProperties: false });
const NavigatedWire = Type.Object({ final_url: Type.String(), status_code: Type.Integer(), title: Type.String() });
const ScreenshotTakenWire = Type.Object({ artifact_id: Type.String(), size_bytes: Type.Integer() });

const BinaryResponse = { 200: Type.String({ description: 'the artifact bytes (image/png, image/jpeg or application/pdf)' }) };

/** The browser routes, shared by /admin/v1 and /console/v1 (the credential differs, the rules do not). */
export async function browserRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/browser/sessions', { schema: { response: responses(200, BrowserSessionListWire) }, config: { action: 'browser.read' } }, async (request) => ({
    sessions: browser(core).list(request.ctx).map(browserSessionToWire),
  }));

  app.post('/browser/sessions', { schema: { body: OpenBody, response: { ...responses(201, Type.Object({ session: BrowserSessionWire })) } }, config: { action: 'browser.write' } }, async (request, reply) => {
    const record = await browser(core).open(request.ctx, request.body?.url);
    return reply.code(201).send({ session: browserSessionToWire(record) });
  });

  app.post('/browser/sessions/:id/navigate', { schema: { params: IdParams, body: NavigateBody, response: responses(200, NavigatedWire) }, config: { action: 'browser.write' } }, async (request) => {
    const response = await browser(core).operate(request.ctx, request.params.id, 'navigate', { url: request.body.url, allow_redirects: true });
    return { final_url: String(response['final_url'] ?? ''), status_code: Number(response['status_code'] ?? 0), title: String(response['title'] ?? '') };
  });

  app.post('/browser/sessions/:id/screenshot', { schema: { params: IdParams, body: Type.Optional(Type.Object({}, { additionalProperties: false })), response: responses(200, ScreenshotTakenWire) }, config: { action: 'browser.write' } }, async (request) => {
    const response = await browser(core).operate(request.ctx, request.params.id, 'screenshot', { max_bytes: 2 * 1024 * 1024 });
    return { artifact_id: String(response['artifact_id'] ?? ''), size_bytes: Number(response['size_bytes'] ?? 0) };
  });

  app.get('/browser/sessions/:id/actions', { schema: { params: IdParams, response: responses(200, BrowserActionLogWire) }, config: { action: 'browser.read' } }, async (request) =>
    actionLogToWire(browser(core).get(request.ctx, request.params.id)),
  );

  app.get('/browser/sessions/:id/screenshot', { schema: { params: IdParams, response: BinaryResponse }, config: { action: 'browser.read' } }, async (request, reply) => {
    const sessions = browser(core);
    const record = sessions.get(request.ctx, request.params.id);
    if (record.latestScreenshotId === null) throw new CoreError('not_found', `browser session ${record.browserSessionId} has no screenshot yet`);
    return sendArtifact(reply, sessions.artifact(request.ctx, record.latestScreenshotId));
  });

  app.post('/browser/sessions/:id/close', { schema: { params: IdParams, response: responses(200, Type.Object({ session: BrowserSessionWire })) }, config: { action: 'browser.write' } }, async (request) => ({
    session: browserSessionToWire(await browser(core).close(request.ctx, request.params.id)),
  }));

  app.get('/browser/artifacts/:id', { schema: { params: IdParams, response: BinaryResponse }, config: { action: 'browser.read' } }, async (request, reply) =>
    sendArtifact(reply, browser(core).artifact(request.ctx, request.params.id)),
  );
}
