import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_DATASETS_YAML, TEST_TOKEN } from '@d2s/testkit/api-harness';

const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
const APP_ORIGIN = 'https://app.example.com';

/** Issue #13, "What integrators expect", over real HTTP against the real API and Redis. */
describe('what integrators expect', () => {
  let api: ApiHarness;
  let withCors: ApiHarness;
  const logLines: string[] = [];

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'), TEST_DATASETS_YAML, { logLines });
    withCors = await startApi(inject('redisUrl'), TEST_DATASETS_YAML, {
      apiYaml: `  cors: { origins: ["${APP_ORIGIN}", "http://localhost:5173"] }\n`,
    });
  });
  afterAll(async () => {
    await api?.close();
    await withCors?.close();
  });

  describe('CORS', () => {
    const preflight = (base: string, origin: string) =>
      fetch(`${base}/v1/syncs`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      });

    it('is off by default: no origin is allowed', async () => {
      const answer = await preflight(api.url, APP_ORIGIN);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      const read = await fetch(`${api.url}/v1/syncs`, { headers: { ...AUTH, origin: APP_ORIGIN } });
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers preflights from listed origins only', async () => {
      const allowed = await preflight(withCors.url, APP_ORIGIN);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('idempotency-key');
      const other = await preflight(withCors.url, 'https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();

      const read = await fetch(`${withCors.url}/v1/syncs`, { headers: { ...AUTH, origin: APP_ORIGIN } });
      expect(read.status).toBe(200);
      expect(read.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(read.headers.get('access-control-expose-headers')).toContain('etag');
      expect(read.headers.get('vary')).toContain('Origin');
    });
  });

  describe('x-request-id', () => {
    it('is on every answer, taken from the request when usable, and in error bodies and log lines', async () => {
      const from = logLines.length;
      const given = await fetch(`${api.url}/v1/syncs/sync_00000000000000000000000000`, {
        headers: { ...AUTH, 'x-request-id': 'webapp-7f3a9c' },
      });
      expect(given.status).toBe(404);
      expect(given.headers.get('x-request-id')).toBe('webapp-7f3a9c');
      expect(((await given.json()) as any).error).toMatchObject({ code: 'SYNC_NOT_FOUND', requestId: 'webapp-7f3a9c' });
      const lines = logLines.slice(from).map((l) => JSON.parse(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line.requestId).toBe('webapp-7f3a9c');

      const made = await fetch(`${api.url}/healthz`);
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const unauthenticated = await fetch(`${api.url}/v1/syncs`);
      const body = (await unauthenticated.json()) as any;
      expect(body.error.requestId).toBe(unauthenticated.headers.get('x-request-id'));
    });

    it('replaces a request id that could forge a log line or a header', async () => {
      for (const bad of ['has space', 'x'.repeat(200), 'a"b', '{"level":60}']) {
        const answer = await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': bad } });
        expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
    });
  });

  it('accepts POST with Content-Type: application/json and an empty body where no body is needed', async () => {
    const created = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
    const cancel = await fetch(`${api.url}/v1/syncs/${created.body.id}/cancel`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
    });
    expect(cancel.status).toBe(202);
    // Where a body is needed, an empty one is a missing field, not broken JSON.
    const empty = await api.request('POST', '/v1/syncs', {
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('INVALID_REQUEST');
    expect(empty.body.error.details.issues[0].path).toBe('body.dataset');
    const broken = await api.request('POST', '/v1/syncs', {
      rawBody: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.body.error.code).toBe('INVALID_JSON');
  });

  it.each([
    ['DELETE', '/v1/syncs', 'GET, HEAD, POST'],
    ['PUT', '/v1/syncs/sync_00000000000000000000000000/cancel', 'POST'],
    ['POST', '/v1/datasets', 'GET, HEAD'],
    ['PATCH', '/v1/schedules/nightly', 'DELETE, GET, HEAD, PUT'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const answer = await fetch(`${api.url}${path}`, { method, headers: AUTH });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe(allow);
    expect(((await answer.json()) as any).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('still answers 404 for a path no route has', async () => {
    const answer = await fetch(`${api.url}/v1/nothing/here`, { method: 'DELETE', headers: AUTH });
    expect(answer.status).toBe(404);
  });

  it('gives a sync’s status an ETag: 304 while nothing changed, 200 once it did', async () => {
    const created = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
    const path = `${api.url}/v1/syncs/${created.body.id}`;
    const first = await fetch(path, { headers: AUTH });
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const same = await fetch(path, { headers: { ...AUTH, 'if-none-match': etag } });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    expect((await fetch(path, { headers: { ...AUTH, 'if-none-match': `W/${etag}, "other"` } })).status).toBe(304);

    await api.request('POST', `/v1/syncs/${created.body.id}/cancel`);
    const changed = await fetch(path, { headers: { ...AUTH, 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as any).cancelRequested).toBe(true);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('names the bad part of a request once in its error message', async () => {
    const answer = await api.request('POST', '/v1/syncs', {
      body: { dataset: 'parallel_ok' },
      headers: { 'idempotency-key': 'has spaces in it' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe('Invalid header Idempotency-Key: printable ASCII without spaces');
    const body = await api.request('POST', '/v1/syncs', { body: { dataset: 7 } });
    expect(body.body.error.message).toMatch(/^Invalid body: dataset: /);
    expect(body.body.error.message.match(/body/g)).toHaveLength(1);
  });
});
