import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_DATASETS_YAML } from '@d2s/testkit/api-harness';

const TOKENS = {
  webapp: 'webapp-token-0123456789',
  webappNext: 'webapp-token-rotated-9876543210',
  ops: 'ops-token-0123456789',
  mirror: 'mirror-token-0123456789',
  legacy: 'legacy-token-0123456789',
  limits: 'limits-token-0123456789',
  limitsNext: 'limits-token-rotated-0123456789',
  refusals: 'refusals-token-0123456789',
};
const TOKENS_ENV = [
  `webapp:read+sync:${TOKENS.webapp}`,
  `webapp:read+sync:${TOKENS.webappNext}`,
  `ops:admin+read:${TOKENS.ops}`,
  `mirror:mirror+read:${TOKENS.mirror}`,
  TOKENS.legacy,
  `limits:read+sync:${TOKENS.limits}`,
  `limits:read+sync:${TOKENS.limitsNext}`,
  `refusals:read+sync:${TOKENS.refusals}`,
].join(',');

/** Issue #13, "Tokens with scopes and an audit trail", over real HTTP. */
describe('tokens with names and scopes, audit lines, per-token rate limits', () => {
  let api: ApiHarness;
  const logLines: string[] = [];

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'), TEST_DATASETS_YAML, {
      tokens: TOKENS_ENV,
      apiYaml: '  rateLimit: { mutatingPerMinute: 4 }\n',
      logLines,
    });
  });
  afterAll(() => api?.close());

  const as = (token: string, method: string, path: string, body?: unknown) =>
    api.request(method, path, { headers: { authorization: `Bearer ${token}` }, ...(body ? { body } : {}) });

  it('lets the webapp token (read + sync) read and request syncs, with either of its rotated tokens', async () => {
    for (const token of [TOKENS.webapp, TOKENS.webappNext]) {
      expect((await as(token, 'GET', '/v1/syncs')).status).toBe(200);
      expect((await as(token, 'GET', '/v1/datasets')).status).toBe(200);
      expect((await as(token, 'GET', '/v1/schedules')).status).toBe(200);
    }
    expect((await as(TOKENS.webapp, 'POST', '/v1/syncs', { dataset: 'parallel_ok' })).status).toBe(202);
  });

  it.each([
    [
      'webapp',
      TOKENS.webapp,
      'PUT',
      '/v1/schedules/nightly',
      { kind: 'sync', dataset: 'forecasts', every: 3_600_000 },
      'admin',
    ],
    ['webapp', TOKENS.webapp, 'DELETE', '/v1/schedules/nightly', undefined, 'admin'],
    ['ops', TOKENS.ops, 'POST', '/v1/syncs', { dataset: 'parallel_ok' }, 'sync'],
    ['mirror', TOKENS.mirror, 'POST', '/v1/syncs', { dataset: 'parallel_ok' }, 'sync'],
  ])('refuses %s %s %s with 403 INSUFFICIENT_SCOPE, changing nothing', async (_n, token, method, path, body, scope) => {
    const before = await api.queues.export.getJobCounts();
    const answer = await as(token, method, path, body);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', details: { required: scope } });
    expect(await api.queues.export.getJobCounts()).toEqual(before);
    expect((await as(TOKENS.ops, 'GET', '/v1/schedules')).body.items).toEqual([]);
  });

  it('lets the admin token change schedules and the legacy bare token do everything', async () => {
    const put = await as(TOKENS.ops, 'PUT', '/v1/schedules/hourly', {
      kind: 'sync',
      dataset: 'forecasts',
      every: 3_600_000,
    });
    expect(put.status).toBe(200);
    expect((await as(TOKENS.legacy, 'DELETE', '/v1/schedules/hourly')).status).toBe(204);
    expect((await as(TOKENS.legacy, 'POST', '/v1/syncs', { dataset: 'parallel_ok' })).status).toBe(202);
  });

  it('puts Bull Board behind the admin scope', async () => {
    const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` });
    expect((await fetch(`${api.url}/admin/queues`, { headers: basic(TOKENS.webapp) })).status).toBe(403);
    expect((await fetch(`${api.url}/admin/queues`, { headers: basic(TOKENS.ops) })).status).toBe(200);
  });

  it('writes one audit line per mutating request with the token’s name, never the token', async () => {
    const from = logLines.length;
    const created = await as(TOKENS.webappNext, 'POST', '/v1/syncs', { dataset: 'parallel_ok' });
    await as(TOKENS.webappNext, 'POST', `/v1/syncs/${created.body.id}/cancel`);
    await as(TOKENS.webappNext, 'GET', `/v1/syncs/${created.body.id}`);
    await as(TOKENS.mirror, 'PUT', '/v1/schedules/x', { kind: 'mirror', every: 3_600_000 });
    await api.request('POST', '/v1/syncs', { headers: { authorization: 'Bearer wrong' }, body: { dataset: 'x' } });
    const lines = logLines.slice(from);
    const audit = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'audit');
    expect(audit.map((l) => [l.audit.tokenName, l.audit.method, l.audit.route, l.audit.status])).toEqual([
      ['webapp', 'POST', '/v1/syncs', 202],
      ['webapp', 'POST', '/v1/syncs/:id/cancel', 202],
      ['mirror', 'PUT', '/v1/schedules/:id', 403],
      [null, 'POST', '/v1/syncs', 401],
    ]);
    for (const token of Object.values(TOKENS)) expect(lines.join('')).not.toContain(token);
  });

  it('limits mutating requests per token: 429 with Retry-After, reads and other tokens unaffected', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await as(TOKENS.legacy, 'POST', '/v1/syncs', { dataset: 'parallel_ok' }));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    const last = answers.at(-1);
    expect(last?.status).toBe(429);
    expect(last?.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 4 } });
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await as(TOKENS.legacy, 'GET', '/v1/syncs')).status).toBe(200);
    expect((await as(TOKENS.mirror, 'POST', '/v1/syncs/sync_00000000000000000000000000/cancel')).status).toBe(403);
  });

  it('draws creations and other changes from one budget per token, with the rate-limit headers on each answer', async () => {
    // A creation charges its budget inside the script that lists it; a cancel in a hook of its own. One counter.
    const created = await as(TOKENS.limits, 'POST', '/v1/syncs', { dataset: 'parallel_ok' });
    expect(created.status).toBe(202);
    expect(created.headers.get('x-ratelimit-limit')).toBe('4');
    const left = Number(created.headers.get('x-ratelimit-remaining'));
    expect(left).toBe(3);
    expect(Number(created.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    const canceled = await as(TOKENS.limits, 'POST', `/v1/syncs/${created.body.id}/cancel`);
    expect(canceled.status).toBe(202);
    expect(Number(canceled.headers.get('x-ratelimit-remaining'))).toBe(left - 1);
    // With an Idempotency-Key the creation charges before taking the key's lock; the same budget.
    const keyed = await api.request('POST', '/v1/syncs', {
      headers: { authorization: `Bearer ${TOKENS.limits}`, 'idempotency-key': 'limits-once' },
      body: { dataset: 'parallel_ok' },
    });
    expect(keyed.status).toBe(202);
    expect(Number(keyed.headers.get('x-ratelimit-remaining'))).toBe(left - 2);
    for (let i = 2; i < left; i++) {
      expect((await as(TOKENS.limits, 'POST', '/v1/syncs', { dataset: 'parallel_ok' })).status).toBe(202);
    }
    const before = await api.queues.export.getJobCounts();
    const refused = await as(TOKENS.limitsNext, 'POST', '/v1/syncs', { dataset: 'parallel_ok' });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 4 } });
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Refused before anything was written: no job, and the listing shows no new sync.
    expect(await api.queues.export.getJobCounts()).toEqual(before);
    const cancelRefused = await as(TOKENS.limits, 'POST', `/v1/syncs/${created.body.id}/cancel`);
    expect(cancelRefused.status).toBe(429);
    expect(cancelRefused.headers.get('retry-after')).toBe(refused.headers.get('retry-after'));
  });

  it('counts every refused creation once, with the rate-limit headers on its answer; 429 past the budget', async () => {
    // A plain creation is charged in the script that lists it; one refused before that script (a bad body, an
    // unknown dataset) still draws on the budget, as every change did when the limit ran before the handler
    // (@fastify/rate-limit), and one refused after its charge (a reused Idempotency-Key) is not charged again.
    const badBody = await as(TOKENS.refusals, 'POST', '/v1/syncs', { dataset: 'parallel_ok', extra: 1 });
    expect(badBody.status).toBe(400);
    expect(badBody.headers.get('x-ratelimit-limit')).toBe('4');
    expect(badBody.headers.get('x-ratelimit-remaining')).toBe('3');
    const unknown = await as(TOKENS.refusals, 'POST', '/v1/syncs', { dataset: 'no_such_dataset' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_DATASET' });
    expect(unknown.headers.get('x-ratelimit-remaining')).toBe('2');
    const keyed = (dataset: string) =>
      api.request('POST', '/v1/syncs', {
        headers: { authorization: `Bearer ${TOKENS.refusals}`, 'idempotency-key': 'refusals-once' },
        body: { dataset },
      });
    const created = await keyed('parallel_ok');
    expect(created.status).toBe(202);
    expect(created.headers.get('x-ratelimit-remaining')).toBe('1');
    const reused = await keyed('forecasts');
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(reused.headers.get('x-ratelimit-remaining')).toBe('0');
    const past = await as(TOKENS.refusals, 'POST', '/v1/syncs', { dataset: 'parallel_ok', extra: 1 });
    expect(past.status).toBe(429);
    expect(past.body.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(past.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(past.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  describe('stream tokens for EventSource', () => {
    it('opens only its sync’s event stream, without the API token in the URL', async () => {
      const sync = await as(TOKENS.ops, 'GET', '/v1/syncs?limit=2');
      const [one, other] = sync.body.items as { id: string }[];
      const minted = await as(TOKENS.webapp, 'POST', `/v1/syncs/${one?.id}/events/token`);
      expect(minted.status).toBe(201);
      expect(minted.body).toMatchObject({
        token: expect.stringMatching(/^st_/),
        url: `/v1/syncs/${one?.id}/events?stream_token=${minted.body.token}`,
      });
      expect(Date.parse(minted.body.expiresAt)).toBeGreaterThan(Date.now());

      const stream = await fetch(`${api.url}${minted.body.url}`, { headers: { accept: 'text/event-stream' } });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await stream.body?.cancel();

      const elsewhere = await fetch(`${api.url}/v1/syncs/${other?.id}/events?stream_token=${minted.body.token}`);
      expect(elsewhere.status).toBe(401);
      expect(((await elsewhere.json()) as any).error.code).toBe('INVALID_STREAM_TOKEN');
      // It is no API token: it opens nothing else.
      expect((await as(minted.body.token, 'GET', `/v1/syncs/${one?.id}`)).status).toBe(401);
      expect((await fetch(`${api.url}/v1/syncs?stream_token=${minted.body.token}`)).status).toBe(401);
      expect((await fetch(`${api.url}/v1/syncs/${one?.id}/events/token`, { method: 'POST' })).status).toBe(401);
    });
  });
});
