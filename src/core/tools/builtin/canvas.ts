// palyra.canvas.create|update|patch|close|get: the agent's canvases, always in the run's own session.
import Type, { type Static } from 'typebox';
import type { CanvasService } from '../../canvas/canvases.js';
import type { CanvasRecord } from '../../canvas/store.js';
import { type CallContext, createContext } from '../../context.js';
import { CoreError, isCoreError } from '../../errors.js';
import type { Tool, ToolContext, ToolOutcome } from '../tool.js';

const ULID = '^[0-9A-HJKMNP-TV-Z]{26}$';
const CanvasId = Type.Optional(Type.String({ pattern: ULID, description: "The canvas (a ULID); default: the newest open canvas of this run's session." }));
const ExpectedVersion = Type.Optional(Type.Integer({ minimum: 1, description: 'Apply only if the canvas is still at this version (optimistic concurrency).' }));
const State = Type.Record(Type.String(), Type.Unknown(), { description: 'The canvas state: {title?, components: [{type: heading|text|markdown|kv|table|line_chart|bar_chart|progress|image|button|input|select, …}]}.' });

const CreateInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    state: State,
    lifetime_ms: Type.Optional(Type.Integer({ minimum: 1000 })),
    assets: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), content_type: Type.String(), base64: Type.String() }, { additionalProperties: false }), { maxItems: 64 }),
    ),
  },
  { additionalProperties: false },
);
const UpdateInput = Type.Object({ canvas_id: CanvasId, state: State, expected_version: ExpectedVersion }, { additionalProperties: false });
const PatchInput = Type.Object(
  { canvas_id: CanvasId, patch: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, description: 'RFC 6902 operations, applied all or none.' }), expected_version: ExpectedVersion },
  { additionalProperties: false },
);
const IdInput = Type.Object({ canvas_id: CanvasId }, { additionalProperties: false });

/** The run owner, allowed canvas reads and writes only. */
function ownerContext(toolCtx: ToolContext): CallContext {
  return createContext({ ...toolCtx.owner, scopes: ['canvas:read', 'canvas:write'], credential: 'internal', signal: toolCtx.signal });
}

function summary(canvas: CanvasRecord) {
  return { canvas_id: canvas.canvasId, title: canvas.title, version: canvas.version, closed: canvas.closedAtMs !== null };
}

/**
 * The five canvas tools. Each acts only in the run's own session (`sessionScoped`: the policy lets
 * them run unasked unless the operator denies them); a canvas id of another session is not found.
 */
export function createCanvasTools(canvases: CanvasService): Tool[] {
  /** The canvas a call names, checked to belong to the run's session; else the session's newest open one. */
  const target = (ctx: CallContext, toolCtx: ToolContext, canvasId: string | undefined): string => {
    if (canvasId) {
      if (canvases.get(ctx, canvasId).sessionId !== toolCtx.sessionId) throw new CoreError('not_found', `canvas not found: ${canvasId}`);
      return canvasId;
    }
    const open = canvases.list(ctx, toolCtx.sessionId).filter((canvas) => !canvases.versionOf(canvas).closed);
    const newest = open.at(-1);
    if (!newest) throw new CoreError('not_found', 'this session has no open canvas; create one first');
    return newest.canvasId;
  };
  const tool = (name: string, description: string, schema: object, readOnly: boolean, run: (input: never, ctx: CallContext, toolCtx: ToolContext) => Promise<unknown> | unknown): Tool => ({
    name,
    description,
    inputSchema: { ...schema },
    readOnly,
    sessionScoped: true,
    alwaysAsk: false,
    timeoutMs: 5_000,
    async execute(input, toolCtx): Promise<ToolOutcome> {
      try {
        return { success: true, output: await run(input as never, ownerContext(toolCtx), toolCtx) };
      } catch (error) {
        if (!isCoreError(error) || error.code === 'internal') throw error;
        return { success: false, output: null, error: `${error.code}: ${error.message}` };
      }
    },
  });
  return [
    tool('palyra.canvas.create', 'Creates a canvas (a live visual surface the operator sees) in this session.', CreateInput, false, async (input: Static<typeof CreateInput>, ctx, toolCtx) =>
      summary(
        await canvases.create(ctx, {
          sessionId: toolCtx.sessionId,
          title: input.title,
          state: input.state,
          ...(input.lifetime_ms ? { lifetimeMs: input.lifetime_ms } : {}),
          ...(input.assets ? { assets: input.assets.map((asset) => ({ path: asset.path, contentType: asset.content_type, bytes: Buffer.from(asset.base64, 'base64') })) } : {}),
        }),
      ),
    ),
    tool('palyra.canvas.update', "Replaces a canvas's whole state.", UpdateInput, false, async (input: Static<typeof UpdateInput>, ctx, toolCtx) =>
      summary(await canvases.update(ctx, target(ctx, toolCtx, input.canvas_id), { state: input.state, ...(input.expected_version ? { expectedVersion: input.expected_version } : {}) })),
    ),
    tool('palyra.canvas.patch', "Changes part of a canvas's state with an RFC 6902 JSON Patch.", PatchInput, false, async (input: Static<typeof PatchInput>, ctx, toolCtx) =>
      summary(await canvases.patch(ctx, target(ctx, toolCtx, input.canvas_id), { patch: input.patch, ...(input.expected_version ? { expectedVersion: input.expected_version } : {}) })),
    ),
    tool('palyra.canvas.close', 'Closes a canvas: it stays visible, read-only.', IdInput, false, async (input: Static<typeof IdInput>, ctx, toolCtx) => summary(await canvases.close(ctx, target(ctx, toolCtx, input.canvas_id)))),
    tool('palyra.canvas.get', "Reads a canvas's current version and state.", IdInput, true, (input: Static<typeof IdInput>, ctx, toolCtx) => {
      const canvas = canvases.get(ctx, target(ctx, toolCtx, input.canvas_id));
      return { ...summary(canvas), state: JSON.parse(canvas.stateJson) as unknown };
    }),
  ];
}
