// GET /admin/v1/tools: the tools runs may call and whether each runs, asks a person or is refused here.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Core } from '../../../../core/index.js';
import { responses } from '../../schemas/common.js';

const ToolWire = Type.Object({
  name: Type.String(),
  description: Type.String(),
  read_only: Type.Boolean(),
  decision: Type.Union([Type.Literal('allow'), Type.Literal('ask'), Type.Literal('deny')], { description: 'what a proposed call gets first: runs, asks a person, or is refused' }),
  reason: Type.String({ description: 'always_ask, allowed_by_config, read_only, session_scoped, side_effects or denied_by_config' }),
});

export async function adminToolRoutes(app: FastifyInstance, core: Core): Promise<void> {
  app.get('/tools', { schema: { response: responses(200, Type.Object({ tools: Type.Array(ToolWire) })) }, config: { action: 'tools.read' } }, async (request) => ({
    tools: core.toolCatalog.list(request.ctx).map((tool) => ({ name: tool.name, description: tool.description, read_only: tool.readOnly, decision: tool.decision, reason: tool.reason })),
  }));
}
