import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REGISTERED_ROUTES } from '../server.js';
import { type ApiHarness, startApi, TEST_TOKEN } from '@d2s/testkit/api-harness';
import { ROUTE_DOCS } from './route-docs.js';

// Routes that are not part of the API itself: Bull Board, Swagger UI and its assets, the docs JSON.
const NOT_API = [/^\/admin\/queues/, /^\/docs/, /^\/openapi\.json$/, /^\/ui\//, /^\/$/];

describe('OpenAPI document', () => {
  let api: ApiHarness;
  let document: Record<string, any>;

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'));
    const response = await fetch(`${api.url}/openapi.json`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(response.status).toBe(200);
    document = (await response.json()) as Record<string, any>;
  });
  afterAll(() => api.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every route the server has, and no route it lacks', () => {
    const registered = (
      (api.app as unknown as Record<symbol, { method: string; url: string }[]>)[REGISTERED_ROUTES] ?? []
    )
      .filter((r) => r.method !== 'HEAD' && !NOT_API.some((p) => p.test(r.url)))
      .map((r) => `${r.method.toLowerCase()} ${r.url}`);
    const documented = ROUTE_DOCS.map((r) => `${r.method} ${r.url}`);
    // The harness has no metrics, mirror, backfill or hook service; their documented routes are checked where they
    // are mounted (backfills: test/backfills.e2e.test.ts; hooks: test/push.e2e.test.ts).
    const mountedElsewhere = documented.filter((d) =>
      / \/metrics$| \/v1\/mirror\/| \/v1\/backfills| \/v1\/hooks\//.test(d),
    );
    expect(new Set(registered)).toEqual(new Set(documented.filter((d) => !mountedElsewhere.includes(d))));
    for (const doc of ROUTE_DOCS) {
      const path = doc.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      expect(document.paths[path]?.[doc.method], `${doc.method} ${path}`).toBeDefined();
    }
  });

  it('documents the scope each route really requires', () => {
    const registered = (
      (api.app as unknown as Record<symbol, { method: string; url: string; scope?: string }[]>)[REGISTERED_ROUTES] ?? []
    ).filter((r) => r.url.startsWith('/v1/'));
    expect(registered.length).toBeGreaterThan(10);
    for (const route of registered.filter((r) => r.method !== 'HEAD')) {
      const doc = ROUTE_DOCS.find((d) => d.method === route.method.toLowerCase() && d.url === route.url);
      expect(route.scope, `${route.method} ${route.url}`).toBeDefined();
      expect(doc?.scope, `${route.method} ${route.url}`).toBe(route.scope);
      const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      expect(document.paths[path][route.method.toLowerCase()]['x-required-scope']).toBe(route.scope);
    }
  });

  it('uses the same schemas the routes validate with', () => {
    const body = document.paths['/v1/syncs'].post.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({ type: 'object', required: ['dataset'], additionalProperties: false });
    const query = document.paths['/v1/syncs'].get.parameters.map((p: { name: string }) => p.name);
    expect(query).toEqual(['dataset', 'status', 'cursor', 'limit']);
  });

  it('serves Swagger UI at /docs behind authentication', async () => {
    expect((await fetch(`${api.url}/docs`)).status).toBe(401);
    const page = await fetch(`${api.url}/docs/`, {
      headers: { authorization: `Basic ${Buffer.from(`ops:${TEST_TOKEN}`).toString('base64')}` },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });
});
