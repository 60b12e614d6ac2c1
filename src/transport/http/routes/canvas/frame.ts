// GET /canvas/v1/frame/:id (the sandboxed HTML shell), runtime.js and runtime.css (the one script and stylesheet it may load).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CoreError } from '../../../../core/errors.js';
import type { Core } from '../../../../core/index.js';
import { CanvasIdParams, CanvasTokenQuery } from '../../schemas/canvas.js';
import { responses } from '../../schemas/common.js';
import { allowSandboxedLoad, frameCsp, INERT_CSP, ownOrigin } from './canvas-headers.js';

export interface CanvasFrameOptions {
  core: Core;
  /** The built runtime (runtime.js, runtime.css), or null when this server has none. */
  runtimeRoot: string | null;
  /** Origins besides the daemon's own that may frame canvases (`http.allowed_origins`). */
  consoleOrigins: readonly string[];
}

const Html = { description: 'text/html', content: { 'text/html': { schema: Type.String() } } };

function readRuntime(root: string | null, name: string): Buffer | null {
  const path = root === null ? null : join(root, name);
  return path !== null && existsSync(path) ? readFileSync(path) : null;
}

/** Text for an HTML attribute value in double quotes. */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export async function canvasFrameRoutes(parent: FastifyInstance, options: CanvasFrameOptions): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { core } = options;
  const script = readRuntime(options.runtimeRoot, 'runtime.js');
  const style = readRuntime(options.runtimeRoot, 'runtime.css');

  app.get('/frame/:id', { schema: { params: CanvasIdParams, querystring: CanvasTokenQuery, response: responses(200, Html) }, config: { action: 'canvas.read' } }, async (request, reply) => {
    const canvas = core.canvases.viewWithToken(request.query.token, request.params.id);
    const origin = ownOrigin(request);
    allowSandboxedLoad(reply, frameCsp(origin, canvas.canvasId, options.consoleOrigins));
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Canvas</title>
<link rel="stylesheet" href="${origin}/canvas/v1/runtime.css"></head>
<body><main id="canvas-root" aria-live="polite"></main>
<script src="${origin}/canvas/v1/runtime.js" data-canvas-id="${attribute(canvas.canvasId)}" data-token="${attribute(request.query.token)}" data-parent-origin="${attribute(origin)}" data-base="${attribute(`${origin}/canvas/v1`)}"></script>
</body></html>
`;
    return reply.header('content-type', 'text/html; charset=utf-8').send(html);
  });

  // The runtime holds no canvas data, so it needs no token: the frame's CSP allows this one URL.
  const runtimeFile = (name: string, body: Buffer | null, contentType: string) =>
    app.get(`/${name}`, { schema: { response: responses(200, { description: contentType, content: { [contentType]: { schema: Type.String() } } }) }, config: { publicRoute: true } }, async (_request, reply) => {
      if (!body) throw new CoreError('unavailable', 'the canvas runtime is not built: run "npm run build"');
      allowSandboxedLoad(reply, INERT_CSP);
      return (reply as FastifyReply).header('content-type', `${contentType}; charset=utf-8`).send(body);
    });
  runtimeFile('runtime.js', script, 'text/javascript');
  runtimeFile('runtime.css', style, 'text/css');
}
