import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStreamModule, staticDir, webRoutes } from './index.js';

describe('web page routes', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    await app.register(webRoutes);
    await app.ready();
  });
  afterAll(() => app.close());

  it('serves the page at / without authentication, revalidated, with a strict CSP', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.body).toContain('<title>d2s');
    expect(page.body).not.toContain('{{');
    // Nothing inline: the CSP would block it anyway.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.body).not.toMatch(/\sstyle=|\son[a-z]+=/i);

    const again = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': page.headers.etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('links assets under one version directory, cached as immutable, with their content types', async () => {
    const page = (await app.inject({ method: 'GET', url: '/' })).body;
    const links = [...page.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    const version = /^\/ui\/([\w-]{16})\//.exec(links[0] ?? '')?.[1];
    expect(version).toBeDefined();
    expect(links.sort()).toEqual(
      ['app.css', 'app.js', 'favicon.svg', 'favicon.svg'].map((name) => `/ui/${version}/${name}`),
    );
    for (const link of links) {
      const response = await app.inject({ method: 'GET', url: link });
      expect(response.statusCode, link).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.body).toBe(await readFile(join(staticDir(), link.split('/').at(-1)!), 'utf8'));
    }
    expect((await app.inject({ method: 'GET', url: `/ui/${version}/app.css` })).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    expect((await app.inject({ method: 'GET', url: `/ui/${version}/favicon.svg` })).headers['content-type']).toBe(
      'image/svg+xml',
    );
    // Unversioned or stale URLs are revalidated instead.
    for (const url of ['/ui/app.js', '/ui/0000000000000000/app.js']) {
      const plain = await app.inject({ method: 'GET', url });
      expect(plain.statusCode, url).toBe(200);
      expect(plain.headers['cache-control'], url).toBe('no-cache');
    }
    const head = await app.inject({ method: 'HEAD', url: '/ui/app.css' });
    expect(head.statusCode).toBe(200);
  });

  it('serves the page as ES modules: every relative import resolves to a served module, event-stream.js included', async () => {
    const page = (await app.inject({ method: 'GET', url: '/' })).body;
    expect(page).toMatch(/<script type="module" src="\/ui\/[\w-]{16}\/app\.js"><\/script>/);
    const base = /src="(\/ui\/[\w-]{16}\/)app\.js"/.exec(page)![1]!;
    const seen = new Set<string>();
    const queue = ['app.js'];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const response = await app.inject({ method: 'GET', url: `${base}${name}` });
      expect(response.statusCode, name).toBe(200);
      expect(response.headers['content-type'], name).toBe('text/javascript; charset=utf-8');
      expect(response.headers['cache-control'], name).toBe('public, max-age=31536000, immutable');
      for (const [, spec] of response.body.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
        // Only this directory: a bare specifier or another origin would not load under the CSP.
        expect(spec, `${name} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
        queue.push(spec!.slice(2));
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'api.js',
        'app.js',
        'backfills-panel.js',
        'datasets-panel.js',
        'dom.js',
        'event-stream.js',
        'format.js',
        'live-panel.js',
        'mirror-panel.js',
        'mirror-plan-panel.js',
        'schema-changes.js',
        'schedules-panel.js',
        'syncs-panel.js',
      ].sort(),
    );
    // The event-stream reader is the very file the CLI runs, from its package.
    const served = await app.inject({ method: 'GET', url: `${base}event-stream.js` });
    expect(served.body).toBe(await readFile(eventStreamModule(), 'utf8'));
    expect(eventStreamModule()).toMatch(/packages[\\/]event-stream[\\/]src[\\/]event-stream\.js$/);
  });

  it('serves only its own files', async () => {
    for (const url of ['/ui/index.html', '/ui/..%2Findex.ts', '/ui/%2e%2e%2f%2e%2e%2fpackage.json', '/ui/nope.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('the page scripts insert API data as text only', async () => {
    for (const name of (await readdir(staticDir())).filter((n) => n.endsWith('.js'))) {
      const script = await readFile(join(staticDir(), name), 'utf8');
      expect(script, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
  });

  it('finds the static files from the build output too (tsc copies no .html/.css/.js)', async () => {
    const fromSrc = staticDir();
    const distModule = pathToFileURL(join(fromSrc, '..', '..', '..', 'dist', 'web', 'index.js')).href;
    expect(staticDir(distModule)).toBe(fromSrc);
    const empty = await mkdtemp(join(tmpdir(), 'd2s-web-'));
    try {
      expect(() => staticDir(pathToFileURL(join(empty, 'index.js')).href)).toThrow(/no index.html/);
    } finally {
      await rm(empty, { recursive: true });
    }
  });
});
