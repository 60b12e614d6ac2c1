// The limits every canvas is held to, and the checks of state, bundle and title against them.
import { CoreError } from '../errors.js';
import type { CanvasAsset } from './store.js';

export interface CanvasLimits {
  /** Largest state, measured as UTF-8 JSON. */
  maxStateBytes: number;
  /** Largest bundle, all asset bytes together. */
  maxBundleBytes: number;
  maxAssets: number;
  /** Updates and patches per canvas in any 60 s window. */
  maxUpdatesPerMinute: number;
  /** Lifetime of a canvas when its creator names none, and the longest allowed. */
  defaultLifetimeMs: number;
  maxLifetimeMs: number;
}

export const DEFAULT_CANVAS_LIMITS: CanvasLimits = {
  maxStateBytes: 64 * 1024,
  maxBundleBytes: 512 * 1024,
  maxAssets: 32,
  maxUpdatesPerMinute: 120,
  defaultLifetimeMs: 24 * 60 * 60 * 1000,
  maxLifetimeMs: 30 * 24 * 60 * 60 * 1000,
};

/**
 * What a bundle may hold: images and plain data. No HTML, script or stylesheet, so an asset opened on
 * its own cannot act as a page (it is also served with a sandboxing CSP).
 */
export const BUNDLE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/svg+xml',
  'text/plain',
  'text/csv',
  'application/json',
]);

const ASSET_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}){0,3}$/;
const MAX_TITLE_CHARS = 200;

/** The state as JSON text. @throws `invalid_argument` (not a JSON object), `resource_exhausted` (over the limit). */
export function encodeState(state: unknown, limits: CanvasLimits): string {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new CoreError('invalid_argument', 'canvas state must be a JSON object');
  }
  const json = JSON.stringify(state);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > limits.maxStateBytes) {
    throw new CoreError('resource_exhausted', `canvas state is ${bytes} bytes; the limit is ${limits.maxStateBytes}`, {
      details: { reason: 'state_too_large', limit: limits.maxStateBytes },
    });
  }
  return json;
}

/** @throws `invalid_argument` for a bad path, content type or duplicate; `resource_exhausted` over the count or size limit. */
export function checkBundle(assets: readonly CanvasAsset[], limits: CanvasLimits): void {
  if (assets.length > limits.maxAssets) {
    throw new CoreError('resource_exhausted', `a canvas bundle holds at most ${limits.maxAssets} assets (got ${assets.length})`, {
      details: { reason: 'too_many_assets', limit: limits.maxAssets },
    });
  }
  const seen = new Set<string>();
  let total = 0;
  for (const asset of assets) {
    if (!ASSET_PATH.test(asset.path) || asset.path.split('/').some((segment) => segment === '.' || segment === '..')) {
      throw new CoreError('invalid_argument', `bundle asset path ${JSON.stringify(asset.path.slice(0, 80))} must be 1-4 segments of [A-Za-z0-9._-]`);
    }
    if (seen.has(asset.path)) throw new CoreError('invalid_argument', `bundle asset path ${asset.path} appears twice`);
    seen.add(asset.path);
    if (!BUNDLE_CONTENT_TYPES.has(asset.contentType)) {
      throw new CoreError('invalid_argument', `bundle asset ${asset.path}: content type must be one of ${[...BUNDLE_CONTENT_TYPES].join(', ')}`);
    }
    total += asset.bytes.length;
  }
  if (total > limits.maxBundleBytes) {
    throw new CoreError('resource_exhausted', `canvas bundle is ${total} bytes; the limit is ${limits.maxBundleBytes}`, {
      details: { reason: 'bundle_too_large', limit: limits.maxBundleBytes },
    });
  }
}

/** @throws `invalid_argument` for an empty or over-long title. */
export function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '' || trimmed.length > MAX_TITLE_CHARS) throw new CoreError('invalid_argument', `canvas title must be 1-${MAX_TITLE_CHARS} characters`);
  return trimmed;
}

/** Counts updates per canvas over a sliding 60 s window. */
export class UpdateRateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly maxPerMinute: number,
    private readonly now: () => number,
  ) {}

  /** Takes one update of `canvasId`. @throws `resource_exhausted` with `retryAfterSeconds` over the limit. */
  take(canvasId: string): void {
    const at = this.now();
    const window = (this.windows.get(canvasId) ?? []).filter((t) => t > at - 60_000);
    if (window.length >= this.maxPerMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil(((window[0] as number) + 60_000 - at) / 1000));
      this.windows.set(canvasId, window);
      throw new CoreError('resource_exhausted', `canvas ${canvasId} was updated ${this.maxPerMinute} times in the last minute; retry later`, {
        details: { reason: 'update_rate', retryAfterSeconds, limit: this.maxPerMinute },
      });
    }
    window.push(at);
    this.windows.set(canvasId, window);
  }

  forget(canvasId: string): void {
    this.windows.delete(canvasId);
  }
}
