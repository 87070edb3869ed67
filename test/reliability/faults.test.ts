import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { countRowsOf, forecastsDataset, runsFor, type Stack, stagingTables, startStack } from './support/stack.js';

const DATASETS = `
datasets:${forecastsDataset('forecasts_append', 'FORECASTS_APPEND', 'append')}${forecastsDataset(
  'forecasts_replace',
  'FORECASTS_REPLACE',
  'replace',
  { expectedRows: 10_000 },
)}${forecastsDataset('missing_table_append', 'NO_SUCH_TABLE', 'append', { createTable: false })}${forecastsDataset(
  'missing_table_replace',
  'NO_SUCH_TABLE',
  'replace',
  { createTable: false },
)}${forecastsDataset('missing_database', 'FORECASTS', 'append', { createTable: false, database: 'NO_SUCH_DATABASE' })}`;

/**
 * Vendor faults during a batch of syncs. Transient ones (Databricks 429/503,
 * expired OAuth tokens; Snowflake internal errors, HTTP 503, expired sessions)
 * are ridden out: every sync succeeds, once. Permanent ones fail the sync after
 * one attempt with the vendor's code in its error.
 */
describe('vendor faults', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'faults',
      datasetsYaml: DATASETS,
      inProcess: ['export', 'import'],
      timeScale: 0.1,
      logLevel: 'warn',
      // OAuth M2M, so expired access tokens are one of the faults.
      secrets: { databricks: { clientId: 'd2s-faults-client', clientSecret: 'd2s-faults-secret' } },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const create = async (dataset: string, forecastDate = '2024-06-01') => {
    const answer = await stack.request('POST', '/v1/syncs', { dataset, parameters: { forecast_date: forecastDate } });
    expect(answer.status, answer.text).toBe(202);
    return answer.body.id as string;
  };

  it('rides out bursts of transient faults from both vendors: every sync succeeds exactly once', async () => {
    const dbx = stack.databricks.admin;
    const sf = stack.snowflake.emulator.admin;
    dbx.clearRequests();
    // Databricks: run-now and runs/get answer 503 and 429 (with Retry-After) in bursts.
    dbx.addHttpFault({ route: 'jobs/run-now', status: 503, count: 3 });
    dbx.addHttpFault({ route: 'jobs/run-now', status: 429, retry_after_seconds: 1, count: 2 });
    dbx.addHttpFault({ route: 'jobs/runs/get', status: 429, retry_after_seconds: 1, count: 6 });
    dbx.addHttpFault({ route: 'jobs/runs/get', status: 503, count: 4 });

    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await create('forecasts_append', `2024-06-0${i + 1}`));
    for (let i = 0; i < 4; i++) ids.push(await create('forecasts_replace', `2024-07-0${i + 1}`));

    // Mid-export, every Databricks OAuth token expires.
    await waitUntil(() => ids.some((id) => runsFor(stack, id).admin.length > 0), 20_000);
    dbx.expireTokens();
    // As soon as the first import starts, Snowflake fails statements (internal error 000603, retryable),
    // answers HTTP 503, and every session expires.
    await waitUntil(async () => ((await stack.queues.import.getJobCounts('active')).active ?? 0) > 0, 30_000, 20);
    sf.failNextQueries(4, { code: '000603', sqlState: 'XX000' });
    sf.failNextRequests(3, 503, 'query');
    sf.expireSessions();
    await sleep(300);
    sf.failNextQueries(2, { code: '000610', message: 'Exceeded number of allowed concurrent requests per user.' });
    sf.expireSessions();

    const views = await stack.waitForSyncs(ids, 120_000);
    expect(views.map((v) => ({ id: v.id, status: v.status, error: v.error }))).toEqual(
      ids.map((id) => ({ id, status: 'succeeded', error: null })),
    );
    // The faults were really served.
    const faulted = dbx.requests().filter((e) => e.fault !== undefined);
    expect(faulted.filter((e) => e.route === 'jobs/run-now').length).toBe(5);
    expect(faulted.filter((e) => e.route === 'jobs/runs/get').length).toBe(10);
    expect(dbx.faults().http).toEqual([]);
    expect(sf.faults().failQueries?.count ?? 0).toBe(0);
    expect(sf.faults().httpErrors?.count ?? 0).toBe(0);
    // Exactly once: one run per sync, exact row counts, no staging table.
    for (const id of ids) expect(runsFor(stack, id).admin, id).toHaveLength(1);
    expect(await countRowsOf(stack, 'FORECASTS_APPEND')).toBe(40_000);
    expect(await countRowsOf(stack, 'FORECASTS_REPLACE')).toBe(10_000);
    expect(await stagingTables(stack)).toEqual([]);
  }, 150_000);

  it('fails at once with Databricks’ code on a permission error from run-now', async () => {
    stack.databricks.admin.clearRequests();
    stack.databricks.admin.addHttpFault({
      route: 'jobs/run-now',
      status: 403,
      error_code: 'PERMISSION_DENIED',
      message: 'User d2s does not have Manage Run or Owner permissions on job 1001.',
      count: 1,
    });
    const id = await create('forecasts_append');
    const [failed] = await stack.waitForSyncs([id], 30_000);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatchObject({ code: 'DATABRICKS_PERMISSION_DENIED', stage: 'export' });
    expect(failed?.error?.message).toContain('PERMISSION_DENIED');
    expect(failed?.error?.message).toContain('does not have Manage Run');
    expect(failed?.error?.details).toMatchObject({ errorCode: 'PERMISSION_DENIED', status: 403 });
    const job = await stack.queues.export.getJob(id);
    expect(job?.attemptsMade).toBe(1);
    // One call, not retried (the fault answers before the body is read, so the log has no token: count them all).
    const calls = stack.databricks.requestLog.entries({ route: 'jobs/run-now' });
    expect(calls.map((c) => c.status)).toEqual([403]);
    expect(runsFor(stack, id).admin).toEqual([]);
    expect(await stack.queues.import.getJob(id)).toBeUndefined();
  }, 60_000);

  it.each([
    ['missing_table_append', /NO_SUCH_TABLE/],
    ['missing_table_replace', /NO_SUCH_TABLE/],
    ['missing_database', /NO_SUCH_DATABASE/],
  ])(
    '%s: fails after one attempt with Snowflake’s 002003',
    async (dataset, named) => {
      const replaceBefore = await countRowsOf(stack, 'FORECASTS_REPLACE');
      const id = await create(dataset);
      const [failed] = await stack.waitForSyncs([id], 60_000);
      expect(failed?.status).toBe('failed');
      expect(failed?.error).toMatchObject({ stage: 'import', details: { snowflakeCode: '002003' } });
      expect(failed?.error?.message).toMatch(/does not exist/);
      expect(failed?.error?.message).toMatch(named);
      const job = await stack.queues.import.getJob(id);
      expect(job?.attemptsMade).toBe(1);
      expect(runsFor(stack, id).admin).toHaveLength(1);
      expect(await stagingTables(stack)).toEqual([]);
      expect(await countRowsOf(stack, 'FORECASTS_REPLACE')).toBe(replaceBefore);
    },
    90_000,
  );
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
