import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_DATASETS_YAML, TEST_TOKEN } from '@d2s/testkit/api-harness';

const BASIC = { authorization: `Basic ${Buffer.from(`ops:${TEST_TOKEN}`).toString('base64')}` };
const BUILT_IN_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

/** Issue #13, "Safe by default", over real HTTP against the real API and Redis. */
describe('safe by default', () => {
  let api: ApiHarness;
  const logLines: string[] = [];

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'), TEST_DATASETS_YAML, { logLines });
  });
  afterAll(() => api?.close());

  it('redacts query strings and credential-like path segments in log lines', async () => {
    const from = logLines.length;
    await fetch(`${api.url}/v1/syncs?token=query-secret-value&dataset=forecasts`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    await fetch(`${api.url}/v1/syncs/sync_00000000000000000000000000/events?stream_token=st_leaked-stream-token-value`);
    await fetch(`${api.url}/v1/st_path-secret-0123456789abcdef/x`);
    const lines = logLines.slice(from).join('');
    for (const secret of ['query-secret-value', 'leaked-stream-token-value', 'path-secret-0123456789abcdef']) {
      expect(lines).not.toContain(secret);
    }
    expect(lines).toContain('/v1/syncs?token=[redacted]&dataset=[redacted]');
    expect(lines).toContain('/v1/[redacted]/x');
  });

  it('says only ready or not on /readyz; the reason goes to the log', async () => {
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it.each(BUILT_IN_NAMES)('treats the dataset name %j as any unknown name: 400, never 500', async (name) => {
    const sync = await api.request('POST', '/v1/syncs', { body: { dataset: name } });
    expect(sync.status).toBe(400);
    expect(sync.body.error.code).toBe('UNKNOWN_DATASET');
    const listed = await api.request('GET', `/v1/syncs?dataset=${encodeURIComponent(name)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([]);
    const schedule = await api.request('PUT', '/v1/schedules/built-in', {
      body: { kind: 'sync', dataset: name, every: 3_600_000 },
    });
    expect(schedule.status).toBe(400);
    expect(schedule.body.error.code).toBe('UNKNOWN_DATASET');
    const parameter = await api.request('POST', '/v1/syncs', {
      rawBody: `{"dataset":"parallel_ok","parameters":{${JSON.stringify(name)}:"x"}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(parameter.status).toBe(400);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each(['constructor', '__proto__', 'toString'])('keeps a schedule named %j like any other', async (id) => {
    const put = await api.request('PUT', `/v1/schedules/${id}`, {
      body: { kind: 'sync', dataset: 'forecasts', every: 3_600_000 },
    });
    expect(put.status).toBe(200);
    expect(put.body.id).toBe(id);
    expect((await api.request('GET', `/v1/schedules/${id}`)).body.id).toBe(id);
    expect((await api.request('DELETE', `/v1/schedules/${id}`)).status).toBe(204);
    expect((await api.request('GET', `/v1/schedules/${id}`)).status).toBe(404);
  });

  it.each([
    [
      { cron: '* * * * * *' },
      /The cron "\* \* \* \* \* \*" fires every 1 s; schedules may fire at most once every 60 s/,
    ],
    [{ cron: '*/20 * * * * *' }, /fires every 20 s/],
    [{ every: 30_000 }, /Every 30 s; schedules may fire at most once every 60 s/],
  ])('refuses a schedule firing more often than once a minute: %j', async (timing, message) => {
    const answer = await api.request('PUT', '/v1/schedules/too-often', {
      body: { kind: 'sync', dataset: 'forecasts', ...timing },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'SCHEDULE_TOO_FREQUENT', details: { minIntervalMs: 60_000 } });
    expect(answer.body.error.message).toMatch(message);
    expect((await api.request('GET', '/v1/schedules/too-often')).status).toBe(404);
  });

  it('accepts a schedule at the minimum interval', async () => {
    const answer = await api.request('PUT', '/v1/schedules/every-minute', {
      body: { kind: 'sync', dataset: 'forecasts', cron: '* * * * *' },
    });
    expect(answer.status).toBe(200);
    await api.request('DELETE', '/v1/schedules/every-minute');
  });

  it('serves /docs with a CSP that does not upgrade plain HTTP to HTTPS, behind any host name', async () => {
    const page = await fetch(`${api.url}/docs/`, { headers: { ...BASIC, host: 'd2s.internal.example:8080' } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    const asset = await fetch(`${api.url}/docs/static/index.html`, { headers: BASIC });
    expect(asset.headers.get('content-security-policy') ?? '').not.toContain('upgrade-insecure-requests');
  });

  it('sends nosniff on every answer and no-store on data', async () => {
    for (const [path, headers] of [
      ['/v1/syncs', { authorization: `Bearer ${TEST_TOKEN}` }],
      ['/v1/syncs/sync_00000000000000000000000000', { authorization: `Bearer ${TEST_TOKEN}` }],
      ['/v1/syncs', {}],
      ['/readyz', {}],
    ] as const) {
      const answer = await fetch(`${api.url}${path}`, { headers });
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(answer.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('gives Bull Board a CSP and frame protection', async () => {
    const page = await fetch(`${api.url}/admin/queues`, { headers: BASIC });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  // Last: it takes Redis away from this API.
  it('answers /readyz 503 without Redis’s error text when Redis is gone, and logs why', async () => {
    const from = logLines.length;
    api.redis.disconnect();
    try {
      const answer = await fetch(`${api.url}/readyz`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({ status: 'not-ready' });
      const logged = logLines.slice(from).map((l) => JSON.parse(l));
      expect(logged.find((l) => l.msg === 'not ready: Redis does not answer')).toMatchObject({
        err: { message: expect.any(String) },
        config: '/test/d2s.yaml',
      });
    } finally {
      await api.redis.connect();
    }
  });
});
