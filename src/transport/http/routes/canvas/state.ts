// GET /canvas/v1/state/:id (JSON, 204 when unchanged), events/:id (SSE push, resumable) and bundle/:id/* for canvas-token holders.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CoreError } from '../../../../core/errors.js';
import type { CanvasVersion } from '../../../../core/canvas/canvas-version.js';
import type { ApiDeps } from '../../api-deps.js';
import { CanvasAssetParams, CanvasIdParams, CanvasStateQuery, CanvasStateWire, CanvasTokenQuery, versionToJson } from '../../schemas/canvas.js';
import { responses } from '../../schemas/common.js';
import { SSE_HEARTBEAT } from '../../streams.js';
import { allowSandboxedLoad, INERT_CSP } from './canvas-headers.js';

// Every viewer of a version gets the same frame: built once per version, not once per viewer.
const frames = new WeakMap<CanvasVersion, string>();

/** `id` is the version, so `Last-Event-ID` (or `?after_version`) resumes right after it. */
function versionFrame(version: CanvasVersion): string {
  let frame = frames.get(version);
  if (frame === undefined) {
    frame = `id: ${version.version}\nevent: version\ndata: ${versionToJson(version)}\n\n`;
    frames.set(version, frame);
  }
  return frame;
}

/** Where a stream resumes: `Last-Event-ID` (an EventSource reconnecting) wins over `?after_version`. */
function resumeAfter(request: FastifyRequest, afterVersion: number | undefined): number {
  const header = request.headers['last-event-id'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return afterVersion ?? 0;
  if (!/^\d{1,15}$/.test(value)) throw new CoreError('invalid_argument', 'Last-Event-ID must be a canvas version');
  return Number(value);
}

export async function canvasStateRoutes(parent: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core, streams } = deps;

  app.get(
    '/state/:id',
    { schema: { params: CanvasIdParams, querystring: CanvasStateQuery, response: { ...responses(200, CanvasStateWire), 204: { description: 'no version newer than after_version', type: 'null' } } }, config: { action: 'canvas.read' } },
    async (request, reply) => {
      const canvas = core.canvases.viewWithToken(request.query.token, request.params.id);
      allowSandboxedLoad(reply, INERT_CSP);
      const version = core.canvases.versionOf(canvas);
      const raw = reply as FastifyReply;
      if (request.query.after_version !== undefined && version.version <= request.query.after_version) return raw.code(204).send();
      return raw.header('content-type', 'application/json; charset=utf-8').send(versionToJson(version));
    },
  );

  app.get(
    '/events/:id',
    {
      schema: {
        description: 'Server-Sent Events: `version` {canvas_id, version, state, updated_at_unix_ms, closed} per change (id = version); ends after the closing version. Resume with Last-Event-ID or ?after_version.',
        params: CanvasIdParams,
        querystring: CanvasStateQuery,
        response: { ...responses(200, { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } }) },
      },
      config: { action: 'canvas.read' },
    },
    async (request, reply) => {
      const after = resumeAfter(request, request.query.after_version);
      const signalSource = new AbortController();
      const versions = core.canvases.watchWithToken(request.query.token, request.params.id, after, signalSource.signal);
      allowSandboxedLoad(reply, INERT_CSP);
      return streams.send(reply, 'sse', 'text/event-stream; charset=utf-8', SSE_HEARTBEAT, async ({ signal, write }) => {
        signal.addEventListener('abort', () => signalSource.abort(), { once: true });
        write('retry: 1000\n\n');
        for await (const version of versions) await write(versionFrame(version));
      });
    },
  );

  app.get(
    '/bundle/:id/*',
    { schema: { params: CanvasAssetParams, querystring: CanvasTokenQuery, response: responses(200, { description: 'the asset bytes with their stored content type', content: { 'application/octet-stream': { schema: Type.String() } } }) }, config: { action: 'canvas.read' } },
    async (request, reply) => {
      const asset = core.canvases.assetWithToken(request.query.token, request.params.id, request.params['*']);
      allowSandboxedLoad(reply, INERT_CSP);
      return (reply as FastifyReply).header('content-type', asset.contentType).send(asset.bytes);
    },
  );
}
