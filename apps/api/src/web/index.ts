import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { body as errorBody } from '../http-errors.js';

export interface WebRoutesDeps {
  /** Where index.html, app.css and the page's modules are. @defaultValue apps/api/src/web/static (see {@link staticDir}) */
  staticDir?: string;
  /** The shared event-stream reader served as `event-stream.js`. @defaultValue @d2s/event-stream's module file */
  eventStreamModule?: string;
}

const JS = 'text/javascript; charset=utf-8';

/** The files the page is made of; nothing else is ever read from the directory. */
const ASSETS = {
  'app.js': JS,
  'api.js': JS,
  'dom.js': JS,
  'format.js': JS,
  'datasets-panel.js': JS,
  'live-panel.js': JS,
  'schema-changes.js': JS,
  'syncs-panel.js': JS,
  'mirror-panel.js': JS,
  'mirror-plan-panel.js': JS,
  'backfills-panel.js': JS,
  'schedules-panel.js': JS,
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;

/** Served beside the page's modules, but read from its package: the CLI runs the same file. */
const EVENT_STREAM = 'event-stream.js';

/** The file `@d2s/event-stream` resolves to: plain JavaScript, servable as it is. */
export function eventStreamModule(): string {
  return createRequire(import.meta.url).resolve('@d2s/event-stream');
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
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
 * Caching: the page is ES modules that import each other by relative URL, so
 * all assets are served under one version directory, `/ui/<version>/<name>`,
 * where the version is a hash over every file: the modules' imports need no
 * rewriting, any change makes new URLs for all of them, and those are cached
 * for a year as immutable. `/` (which names the current version), unversioned
 * `/ui/<name>` and other versions are `no-cache` (revalidated with their ETag,
 * answered 304 when unchanged). Files are read once, when the plugin is registered.
 */
export async function webRoutes(app: FastifyInstance, deps: WebRoutesDeps = {}): Promise<void> {
  const dir = deps.staticDir ?? staticDir();
  const assets = new Map<string, Asset>();
  const files: Array<[string, string, string]> = [
    ...Object.entries(ASSETS).map(([name, type]): [string, string, string] => [name, type, join(dir, name)]),
    [EVENT_STREAM, JS, deps.eventStreamModule ?? eventStreamModule()],
  ];
  const all = createHash('sha256');
  for (const [name, type, path] of files) {
    const body = await readFile(path);
    all.update(name).update('\0').update(body);
    assets.set(name, { body, type, etag: `"${hash(body)}"` });
  }
  const version = all.digest('base64url').slice(0, 16);
  const template = await readFile(join(dir, 'index.html'), 'utf8');
  // `{{asset:app.js}}` in index.html becomes the asset's versioned URL.
  const html = template.replace(/\{\{asset:([\w.-]+)\}\}/g, (_match, name: string) => {
    if (!assets.has(name)) throw new Error(`d2s web page: index.html names an unknown asset ${name}`);
    return `/ui/${version}/${name}`;
  });
  const page: Asset = { body: Buffer.from(html), type: 'text/html; charset=utf-8', etag: `"${hash(html)}"` };

  app.get('/', async (request, reply) => send(request, reply, page, 'no-cache'));

  const serve = (request: FastifyRequest, reply: FastifyReply, file: string, current: boolean) => {
    const asset = Object.hasOwn(ASSETS, file) || file === EVENT_STREAM ? assets.get(file) : undefined;
    if (!asset) return reply.status(404).send(errorBody('NOT_FOUND', `No such file: /ui/${file}`));
    return send(request, reply, asset, current ? 'public, max-age=31536000, immutable' : 'no-cache');
  };
  app.get('/ui/:file', async (request, reply) =>
    serve(request, reply, (request.params as { file: string }).file, false),
  );
  // Another version (a page loaded before a deploy) gets today's file, revalidated rather than cached for good.
  app.get('/ui/:version/:file', async (request, reply) => {
    const params = request.params as { version: string; file: string };
    return serve(request, reply, params.file, params.version === version);
  });
}
