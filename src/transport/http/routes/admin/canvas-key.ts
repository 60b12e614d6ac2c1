// POST /admin/v1/canvas/token-key/rotate: a new canvas token signing key; every canvas token issued before stops working.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Core } from '../../../../core/index.js';
import { responses } from '../../schemas/common.js';

export async function adminCanvasKeyRoutes(app: FastifyInstance, core: Core): Promise<void> {
  app.post('/canvas/token-key/rotate', { schema: { response: responses(200, Type.Object({ rotated: Type.Boolean() })) }, config: { action: 'canvas.rotate_key' } }, async (request) => {
    await core.canvases.rotateTokenKey(request.ctx);
    return { rotated: true };
  });
}
