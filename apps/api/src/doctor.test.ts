import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_DATASETS_YAML } from '@d2s/testkit/api-harness';

const OPS = 'ops-token-0123456789';
const WEBAPP = 'webapp-token-0123456789';

/**
 * GET /v1/doctor over real HTTP: admin scope only, the report as data. The harness's config has no Databricks
 * or Snowflake settings, so those sections fail on their configuration while Redis is checked for real.
 */
describe('GET /v1/doctor', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'), TEST_DATASETS_YAML, {
      tokens: `ops:admin+read:${OPS},webapp:read+sync:${WEBAPP}`,
    });
  });
  afterAll(() => api?.close());

  it('answers an admin token with the report: 200 whatever the checks found', async () => {
    const answer = await api.request('GET', '/v1/doctor', { headers: { authorization: `Bearer ${OPS}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body.status).toBe('fail');
    const byId = new Map((answer.body.checks as Array<{ id: string }>).map((c) => [c.id, c]));
    expect(byId.get('redis.reachable')).toMatchObject({ status: 'ok' });
    expect(byId.get('redis.eviction-policy')).toMatchObject({
      status: 'ok',
      message: 'maxmemory-policy is noeviction',
    });
    expect(byId.get('databricks.config')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('DATABRICKS_HOST'),
      hint: expect.any(String),
    });
    expect(byId.get('snowflake.config')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('SNOWFLAKE_ACCOUNT'),
    });
    expect(answer.body.summary.fail).toBeGreaterThanOrEqual(2);
  });

  it('refuses a token without the admin scope (403) and no token (401)', async () => {
    const webapp = await api.request('GET', '/v1/doctor', { headers: { authorization: `Bearer ${WEBAPP}` } });
    expect(webapp.status).toBe(403);
    expect(webapp.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', details: { required: 'admin' } });
    const anonymous = await api.request('GET', '/v1/doctor', { headers: { authorization: '' } });
    expect(anonymous.status).toBe(401);
  });
});
