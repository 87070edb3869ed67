import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticDir, webRoutes } from './index.js';

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

  it('links versioned assets that are cached as immutable, with their content types', async () => {
    const page = (await app.inject({ method: 'GET', url: '/' })).body;
    const links = [...page.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    expect(links.map((l) => l.replace(/\?.*/, '')).sort()).toEqual([
      '/ui/app.css',
      '/ui/app.js',
      '/ui/favicon.svg',
      '/ui/favicon.svg',
    ]);
    const types: Record<string, string> = {
      'app.js': 'text/javascript; charset=utf-8',
      'app.css': 'text/css; charset=utf-8',
      'favicon.svg': 'image/svg+xml',
    };
    for (const link of links) {
      const response = await app.inject({ method: 'GET', url: link });
      expect(response.statusCode, link).toBe(200);
      const name = link.replace(/^\/ui\/|\?.*$/g, '');
      expect(response.headers['content-type']).toBe(types[name]);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.body).toBe(await readFile(join(staticDir(), name), 'utf8'));
    }
    // Unversioned (or stale) URLs are revalidated instead.
    const plain = await app.inject({ method: 'GET', url: '/ui/app.js?v=old' });
    expect(plain.headers['cache-control']).toBe('no-cache');
    const head = await app.inject({ method: 'HEAD', url: '/ui/app.css' });
    expect(head.statusCode).toBe(200);
  });

  it('serves only its own files', async () => {
    for (const url of ['/ui/index.html', '/ui/..%2Findex.ts', '/ui/%2e%2e%2f%2e%2e%2fpackage.json', '/ui/nope.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('the page script inserts API data as text only', async () => {
    const script = await readFile(join(staticDir(), 'app.js'), 'utf8');
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
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
