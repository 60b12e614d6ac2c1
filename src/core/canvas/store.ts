// Port: canvas storage (records, their bundles). Implemented in infra/store/canvas-store.ts.

export interface CanvasAsset {
  /** Relative path inside the bundle, e.g. `img/logo.png`. */
  path: string;
  contentType: string;
  bytes: Buffer;
}

export interface CanvasRecord {
  canvasId: string;
  sessionId: string;
  /** The owner of the session the canvas belongs to. */
  principal: string;
  deviceId: string;
  channel: string | null;
  title: string;
  /** The current state as JSON text. */
  stateJson: string;
  /** 1 at creation, +1 per update or patch. */
  version: number;
  createdAtMs: number;
  updatedAtMs: number;
  /** After this the canvas is read-only, as if closed. */
  expiresAtMs: number;
  closedAtMs: number | null;
}

export interface CanvasStore {
  /** Inserts the canvas and its bundle in one transaction. */
  insertCanvas(canvas: CanvasRecord, assets: readonly CanvasAsset[]): void;
  getCanvas(canvasId: string): CanvasRecord | undefined;
  /** The canvases of a session, oldest first. */
  listBySession(sessionId: string): CanvasRecord[];
  /** Writes a new version only if the stored one is still `expectedVersion`; false when it moved on. */
  updateState(canvasId: string, expectedVersion: number, stateJson: string, atMs: number): boolean;
  closeCanvas(canvasId: string, atMs: number): void;
  getAsset(canvasId: string, path: string): CanvasAsset | undefined;
  /** Asset paths and content types of a canvas's bundle, without their bytes. */
  listAssets(canvasId: string): { path: string; contentType: string; size: number }[];
}
