import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_TOKEN } from '@d2s/testkit/api-harness';

describe('API: syncs, datasets, schedules (real Redis, real HTTP)', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'));
  });
  afterAll(() => api.close());

  const exportJobs = () => api.queues.export.getJobCounts();
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

  it('answers health without a token', async () => {
    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${api.url}/readyz`);
    expect((await ready.json()) as any).toEqual({ status: 'ready' });
  });

  it.each([
    ['no token', {}, 401, 'UNAUTHENTICATED'],
    ['a wrong token', { authorization: 'Bearer nope' }, 401, 'INVALID_TOKEN'],
    [
      'a wrong scheme',
      { authorization: `Basic ${Buffer.from(`x:${TEST_TOKEN}`).toString('base64')}` },
      401,
      'INVALID_TOKEN',
    ],
  ])('refuses %s', async (_name, headers, status, code) => {
    const before = total(await exportJobs());
    const response = await fetch(`${api.url}/v1/syncs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ dataset: 'forecasts' }),
    });
    expect(response.status).toBe(status);
    expect(((await response.json()) as any).error.code).toBe(code);
    expect(total(await exportJobs())).toBe(before);
  });

  it('lists datasets with their parameters', async () => {
    const { status, body } = await api.request('GET', '/v1/datasets');
    expect(status).toBe(200);
    expect(body.items.map((d: { name: string }) => d.name)).toEqual(['forecasts', 'parallel_ok']);
    expect(body.items[0]).toMatchObject({
      target: 'D2S.PUBLIC.FORECASTS',
      loadMode: 'append',
      parameters: { region: { enum: ['us', 'eu'] } },
    });
  });

  it.each([
    ['an unknown dataset', { dataset: 'nope' }, 400, 'UNKNOWN_DATASET'],
    ['an undeclared parameter', { dataset: 'forecasts', parameters: { table: 'x' } }, 400, 'INVALID_PARAMETERS'],
    ['a wrongly typed parameter', { dataset: 'forecasts', parameters: { days: 'seven' } }, 400, 'INVALID_PARAMETERS'],
    ['a value outside the enum', { dataset: 'forecasts', parameters: { region: 'mars' } }, 400, 'INVALID_PARAMETERS'],
    ['a missing dataset', {}, 400, 'INVALID_REQUEST'],
    ['a wrong body type', { dataset: 7 }, 400, 'INVALID_REQUEST'],
    ['an unknown field', { dataset: 'forecasts', job_id: 5 }, 400, 'INVALID_REQUEST'],
    ['an array body', [1, 2], 400, 'INVALID_REQUEST'],
  ])('answers %s with a 4xx and enqueues nothing', async (_name, body, status, code) => {
    const before = total(await exportJobs());
    const response = await api.request('POST', '/v1/syncs', { body });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toBeTruthy();
    expect(total(await exportJobs())).toBe(before);
  });

  it('names each bad field of an invalid body', async () => {
    const { body } = await api.request('POST', '/v1/syncs', { body: { dataset: 7 } });
    expect(body.error.details.issues).toEqual([{ path: 'body.dataset', message: expect.any(String) }]);
  });

  it.each([
    ['malformed JSON', '{"dataset":', 'application/json', 400, 'INVALID_JSON'],
    [
      'an oversized body',
      JSON.stringify({ dataset: 'forecasts', parameters: { pad: 'x'.repeat(10_000) } }),
      'application/json',
      413,
      'BODY_TOO_LARGE',
    ],
    [
      'a non-JSON content type',
      'dataset=forecasts',
      'application/x-www-form-urlencoded',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ])('answers %s with a coded 4xx', async (_name, rawBody, type, status, code) => {
    const before = total(await exportJobs());
    const response = await api.request('POST', '/v1/syncs', { rawBody, headers: { 'content-type': type } });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(total(await exportJobs())).toBe(before);
  });

  it('queues a sync and reports it', async () => {
    const created = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      status: 'queued',
      dataset: 'parallel_ok',
      links: { self: `/v1/syncs/${created.body.id}` },
    });
    expect(created.headers.get('location')).toBe(`/v1/syncs/${created.body.id}`);
    const read = await api.request('GET', `/v1/syncs/${created.body.id}`);
    // The creation answer is built from the job as added, without reading it back: it must equal what a read says.
    expect(read.body).toEqual(created.body);
    expect(read.body).toMatchObject({
      id: created.body.id,
      status: 'queued',
      outputUrl: `s3://bucket/exports/p/${created.body.id}/`,
    });
    const job = await api.queues.export.getJob(created.body.id);
    expect(JSON.stringify(job?.data)).not.toContain(TEST_TOKEN);
  });

  it('returns the same sync for the same Idempotency-Key, and refuses reuse for another request', async () => {
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const first = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' }, headers });
    const second = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' }, headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, deduplicated: 'idempotency-key' });
    const other = await api.request('POST', '/v1/syncs', { body: { dataset: 'forecasts' }, headers });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('collapses concurrent requests with one Idempotency-Key onto one sync', async () => {
    const headers = { 'idempotency-key': `race-${Date.now()}` };
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' }, headers })),
    );
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
  });

  it('joins an identical request to the active sync of a single-active dataset, and refuses another', async () => {
    const first = await api.request('POST', '/v1/syncs', { body: { dataset: 'forecasts' } });
    const same = await api.request('POST', '/v1/syncs', { body: { dataset: 'forecasts' } });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ id: first.body.id, deduplicated: 'already-active' });
    const other = await api.request('POST', '/v1/syncs', {
      body: { dataset: 'forecasts', parameters: { region: 'eu' } },
    });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'DATASET_BUSY', details: { activeSyncId: first.body.id } });
  });

  it('lists syncs newest first, filtered and paged', async () => {
    const page1 = await api.request('GET', '/v1/syncs?dataset=parallel_ok&limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toBeTruthy();
    const page2 = await api.request('GET', `/v1/syncs?dataset=parallel_ok&limit=2&cursor=${page1.body.nextCursor}`);
    const ids = [...page1.body.items, ...page2.body.items].map((s: { id: string }) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const times = [...page1.body.items, ...page2.body.items].map(
      (s: { timings: { createdAt: string } }) => s.timings.createdAt,
    );
    expect([...times].sort().reverse()).toEqual(times);
    const queued = await api.request('GET', '/v1/syncs?status=queued&limit=200');
    expect(queued.body.items.every((s: { status: string }) => s.status === 'queued')).toBe(true);
    expect((await api.request('GET', '/v1/syncs?status=bogus')).status).toBe(400);
    expect((await api.request('GET', '/v1/syncs?cursor=garbage')).body.error.code).toBe('INVALID_CURSOR');
    expect((await api.request('GET', '/v1/syncs?limit=0')).status).toBe(400);
  });

  it('answers 404 for an unknown sync and 400 for a malformed id', async () => {
    const missing = await api.request('GET', '/v1/syncs/sync_00000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SYNC_NOT_FOUND');
    expect((await api.request('GET', '/v1/syncs/..%2F..%2Fetc')).status).toBe(400);
    expect((await api.request('GET', '/v1/nothing')).body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('marks a queued sync for cancel, and refuses to retry it while it runs', async () => {
    const created = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
    const canceled = await api.request('POST', `/v1/syncs/${created.body.id}/cancel`);
    expect(canceled.status).toBe(202);
    expect(canceled.body.cancelRequested).toBe(true);
    const retry = await api.request('POST', `/v1/syncs/${created.body.id}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('SYNC_NOT_RETRYABLE');
  });

  it('manages schedules on Job Schedulers', async () => {
    const put = await api.request('PUT', '/v1/schedules/nightly', {
      body: { kind: 'sync', dataset: 'forecasts', parameters: { region: 'eu' }, cron: '0 3 * * *', tz: 'Europe/Paris' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: 'nightly',
      kind: 'sync',
      dataset: 'forecasts',
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
    });
    expect(Date.parse(put.body.next)).toBeGreaterThan(Date.now());
    const again = await api.request('PUT', '/v1/schedules/nightly', {
      body: { kind: 'sync', dataset: 'forecasts', every: 60_000 },
    });
    expect(again.body).toMatchObject({ every: 60_000 });
    expect(again.body.cron).toBeUndefined();
    const list = await api.request('GET', '/v1/schedules');
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual(['nightly']);
    expect((await api.request('DELETE', '/v1/schedules/nightly')).status).toBe(204);
    expect((await api.request('DELETE', '/v1/schedules/nightly')).status).toBe(404);
  });

  it.each([
    [{ kind: 'sync', dataset: 'forecasts' }, /exactly one of cron or every/],
    [{ kind: 'sync', dataset: 'forecasts', cron: '0 3 * * *', every: 1000 }, /exactly one of cron or every/],
    [{ kind: 'sync', dataset: 'forecasts', cron: 'not a cron' }, /Invalid schedule/],
    [{ kind: 'sync', dataset: 'forecasts', cron: '0 3 * * *', tz: 'Mars/Olympus' }, /IANA time zone/],
    [{ kind: 'sync', dataset: 'nope', every: 60_000 }, /Unknown dataset/],
    [{ kind: 'sync', cron: '0 3 * * *' }, /names a dataset/],
    [{ kind: 'sync', dataset: 'forecasts', every: 10 }, /every/],
  ])('refuses the schedule %j', async (body, message) => {
    const response = await api.request('PUT', '/v1/schedules/bad', { body });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(message);
    expect((await api.request('GET', '/v1/schedules')).body.items).toEqual([]);
  });

  it('puts Bull Board behind authentication', async () => {
    expect((await fetch(`${api.url}/admin/queues`)).status).toBe(401);
    const basic = `Basic ${Buffer.from(`ops:${TEST_TOKEN}`).toString('base64')}`;
    const page = await fetch(`${api.url}/admin/queues`, { headers: { authorization: basic } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});
