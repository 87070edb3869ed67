import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { body as errorBody } from '../http-errors.js';

export interface WebRoutesDeps {
  /** Where index.html, app.css and app.js are. @defaultValue apps/api/src/web/static (see {@link staticDir}) */
  staticDir?: string;
}

/** The files the page is made of; nothing else is ever read from the directory. */
const ASSETS = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;
type AssetName = keyof typeof ASSETS;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Content hash: `/ui/<name>?v=<version>` is immutable. */
  version: string;
}

/**
 * The page's security headers. Nothing inline, nothing from elsewhere: the
 * page talks to this origin only, and data goes into the DOM as text.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/**
 * The static files live in src/web/static and are served from there both by
 * the sources (vitest: this module is src/web/index.ts) and by the build
 * (node: dist/web/index.js), because tsc copies no non-TypeScript files. The
 * Docker image keeps apps/api/src, so the second path exists there too.
 */
export function staticDir(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, 'static'), join(here, '..', '..', 'src', 'web', 'static')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`d2s web page: no index.html in ${candidates.join(' or ')}`);
  return found;
}

const hash = (body: Buffer | string) => createHash('sha256').update(body).digest('base64url').slice(0, 16);

function matches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string) {
  reply.header('etag', asset.etag).header('cache-control', cacheControl).headers(SECURITY_HEADERS);
  if (matches(request, asset.etag)) return reply.status(304).send();
  return reply.type(asset.type).send(asset.body);
}

/**
 * The web page at `/` and its assets under `/ui/`. Served without
 * authentication: the page holds no data; it asks for an API token and sends
 * it as a bearer token on every /v1 call it makes.
 *
 * Caching: `/` and unversioned assets are `no-cache` (revalidated with their
 * ETag, answered 304 when unchanged); index.html links each asset as
 * `/ui/<name>?v=<content hash>`, which is cached for a year as immutable.
 * Files are read once, when the plugin is registered.
 */
export async function webRoutes(app: FastifyInstance, deps: WebRoutesDeps = {}): Promise<void> {
  const dir = deps.staticDir ?? staticDir();
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSETS)) {
    const body = await readFile(join(dir, name));
    const version = hash(body);
    assets.set(name, { body, type, etag: `"${version}"`, version });
  }
  const template = await readFile(join(dir, 'index.html'), 'utf8');
  // `{{asset:app.js}}` in index.html becomes the asset's versioned URL.
  const html = template.replace(/\{\{asset:([\w.-]+)\}\}/g, (_match, name: string) => {
    const asset = assets.get(name);
    if (!asset) throw new Error(`d2s web page: index.html names an unknown asset ${name}`);
    return `/ui/${name}?v=${asset.version}`;
  });
  const page: Asset = {
    body: Buffer.from(html),
    type: 'text/html; charset=utf-8',
    etag: `"${hash(html)}"`,
    version: hash(html),
  };

  app.get('/', async (request, reply) => send(request, reply, page, 'no-cache'));

  app.get('/ui/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const asset = Object.hasOwn(ASSETS, file) ? assets.get(file as AssetName) : undefined;
    if (!asset) {
      return reply.status(404).send(errorBody('NOT_FOUND', `No such file: /ui/${file}`));
    }
    const { v } = request.query as { v?: string };
    return send(request, reply, asset, v === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache');
  });
}
