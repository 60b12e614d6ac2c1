// palyra.canvas.v1.CanvasService: create, change, read, list, close and watch canvases.
import type { CanvasServiceServer } from '../../../gen/palyra/canvas/v1/canvas.js';
import type { CanvasRecord } from '../../../core/canvas/store.js';
import { type HandlerDeps, serverStream, unary } from '../handler.js';
import { canvasToProto, parseJsonField, versionToProto } from '../convert/canvas.js';
import { checkVersion, PROTOCOL_MAJOR, requiredId } from '../convert/ids.js';

const v = PROTOCOL_MAJOR;

/** `httpBase`: the admin port's base URL (frame URLs point there), when known. */
export function canvasService(deps: HandlerDeps, httpBase: () => string | null): CanvasServiceServer {
  const { core } = deps;
  const route = (method: string) => `CanvasService/${method}`;
  const toProto = (canvas: CanvasRecord) => canvasToProto(canvas, core.canvases.versionOf(canvas));
  const expected = (version: number) => (version > 0 ? { expectedVersion: version } : {});
  return {
    createCanvas: unary(deps, route('CreateCanvas'), async (request, ctx) => {
      checkVersion(request.v);
      const canvas = await core.canvases.create(ctx, {
        sessionId: requiredId(request.sessionId, 'session_id'),
        title: request.title,
        state: parseJsonField(request.stateJson, 'state_json'),
        assets: request.assets.map((asset) => ({ path: asset.path, contentType: asset.contentType, bytes: Buffer.from(asset.body) })),
        ...(request.lifetimeMs > 0 ? { lifetimeMs: request.lifetimeMs } : {}),
      });
      const minted = core.canvases.mintToken(ctx, canvas.canvasId);
      const framePath = `/canvas/v1/frame/${canvas.canvasId}?token=${minted.token}`;
      return { v, canvas: toProto(canvas), frameUrl: `${httpBase() ?? ''}${framePath}`, token: minted.token, tokenExpiresAtUnixMs: minted.expiresAtMs };
    }),

    updateCanvas: unary(deps, route('UpdateCanvas'), async (request, ctx) => {
      checkVersion(request.v);
      const canvas = await core.canvases.update(ctx, requiredId(request.canvasId, 'canvas_id'), { state: parseJsonField(request.stateJson, 'state_json'), ...expected(request.expectedVersion) });
      return { v, canvas: toProto(canvas) };
    }),

    patchCanvas: unary(deps, route('PatchCanvas'), async (request, ctx) => {
      checkVersion(request.v);
      const canvas = await core.canvases.patch(ctx, requiredId(request.canvasId, 'canvas_id'), { patch: parseJsonField(request.patchJson, 'patch_json'), ...expected(request.expectedVersion) });
      return { v, canvas: toProto(canvas) };
    }),

    getCanvas: unary(deps, route('GetCanvas'), (request, ctx) => {
      checkVersion(request.v);
      return { v, canvas: toProto(core.canvases.get(ctx, requiredId(request.canvasId, 'canvas_id'))) };
    }),

    listCanvases: unary(deps, route('ListCanvases'), (request, ctx) => {
      checkVersion(request.v);
      return { v, canvases: core.canvases.list(ctx, requiredId(request.sessionId, 'session_id')).map(toProto) };
    }),

    closeCanvas: unary(deps, route('CloseCanvas'), async (request, ctx) => {
      checkVersion(request.v);
      return { v, canvas: toProto(await core.canvases.close(ctx, requiredId(request.canvasId, 'canvas_id'))) };
    }),

    watchCanvas: serverStream(deps, route('WatchCanvas'), async (request, ctx, send) => {
      checkVersion(request.v);
      for await (const version of core.canvases.watch(ctx, requiredId(request.canvasId, 'canvas_id'), request.afterVersion, ctx.signal)) await send(versionToProto(version));
    }),
  };
}
