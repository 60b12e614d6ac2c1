// The console single-page app on the admin port: its built files, and index.html for every other page path.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError } from '../../../core/errors.js';
import { notFound, paramTooLong } from '../errors.js';

/** The pages' policy: only the daemon's own scripts, styles and API; nothing inline, never framed. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; frame-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Paths that belong to the API: an unknown one there is a JSON 404, never the app. */
const API_PREFIXES = ['/admin', '/console', '/canvas', '/healthz', '/readyz', '/metrics'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.txt']);

interface WebFile {
  body: Buffer;
  /** Whether a gzip copy is worth serving (text, over 1 KiB). */
  compressible: boolean;
  /** Made on the first request that accepts it (not at start-up, where it cost ≈ 12 ms), then kept. */
  gzip?: Buffer;
  contentType: string;
  cacheControl: string;
}

function isApiPath(path: string): boolean {
  return API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** Every built file by URL path, read once: the app is a few hundred kilobytes. */
function loadFiles(root: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  for (const path of listFiles(root)) {
    const urlPath = `/${relative(root, path).split(sep).join('/')}`;
    const ext = extname(path);
    const body = readFileSync(path);
    files.set(urlPath, {
      body,
      compressible: COMPRESSIBLE.has(ext) && body.length > 1024,
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      // File names under /assets/ carry a content hash: a changed file is a new URL.
      cacheControl: urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store',
    });
  }
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: WebFile): FastifyReply {
  reply.header('content-type', file.contentType).header('cache-control', file.cacheControl).header('vary', 'accept-encoding');
  if (file.contentType.startsWith('text/html')) reply.header('content-security-policy', PAGE_CSP);
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (file.compressible && acceptsGzip) {
    file.gzip ??= gzipSync(file.body, { level: 9 });
    return reply.header('content-encoding', 'gzip').send(file.gzip);
  }
  return reply.send(file.body);
}

/**
 * GET of any path outside the API prefixes: a built file (hashed assets `immutable`), else `index.html`
 * (`no-store`) so the app's own routes load on a reload or a deep link. Without a built app (`webRoot`
 * missing) the pages answer 503 saying how to build it.
 */
/** Fastify's default `maxParamLength`, which the API routes keep (see paramTooLong). */
const MAX_PARAM_LENGTH = 100;

export async function webAppRoutes(app: FastifyInstance, options: { webRoot: string | null }): Promise<void> {
  const root = options.webRoot;
  const files = root !== null && existsSync(join(root, 'index.html')) ? loadFiles(root) : null;
  const index = files?.get('/index.html');

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] as string;
    if (isApiPath(path)) {
      // An API path whose parameter is too long for the router lands on this wildcard instead of the
      // router's 414 refusal; it gets that same answer, not a 404.
      if (path.split('/').some((segment) => segment.length > MAX_PARAM_LENGTH)) {
        throw paramTooLong();
      }
      throw notFound(request);
    }
    const file = files?.get(path);
    if (file) return send(request, reply, file);
    // A missing hashed file is a 404, not the page: a browser would run index.html as a script.
    if (path.startsWith('/assets/') || extname(path) !== '') throw notFound(request);
    if (!index) throw new CoreError('unavailable', 'the console is not built: run "npm run build"');
    return send(request, reply, index);
  });
}
