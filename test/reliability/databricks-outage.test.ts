import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { forecastsDataset, runsFor, type Stack, startStack } from './support/stack.js';

const RETRY_BUDGET_MS = 400;

/**
 * A Databricks outage longer than the client's whole retry budget, while a
 * sync's run is being polled. The client gives up (budget spent) again and
 * again; the export step keeps the run, parks the job and polls again later,
 * spending no attempt. When Databricks is back the same run is polled to its
 * end and the sync succeeds, with one run for its token.
 */
describe('Databricks outage longer than the retry budget while polling', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'outage',
      datasetsYaml: `datasets:${forecastsDataset('forecasts_append', 'FORECASTS_APPEND', 'append')}`,
      // A small budget, so an outage of a few seconds outlasts it many times over.
      databricksYaml: `databricks: { requestTimeoutMs: 2000, retryBudgetMs: ${RETRY_BUDGET_MS} }`,
      inProcess: ['export', 'import'],
      timeScale: 0.1,
      logLevel: 'warn',
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps the run, polls again without spending an attempt, and succeeds once it is back', async () => {
    const dbx = stack.databricks.admin;
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_append' });
    expect(created.status, created.text).toBe(202);
    const id = created.body.id as string;

    // The run is started and its id saved: from here on the job polls it.
    const saved = await until(async () => {
      const job = await stack.queues.export.getJob(id);
      const runId = (job?.data as { progress?: { runId?: number } } | undefined)?.progress?.runId;
      return runId !== undefined ? runId : undefined;
    }, 20_000);

    // Outage: every runs/get answers 503 until lifted.
    const outage = dbx.addHttpFault({
      route: 'jobs/runs/get',
      status: 503,
      message: 'Service is down for maintenance.',
    });
    const outageStarted = Date.now();
    const faulted = () => dbx.requests({ route: 'jobs/runs/get' }).filter((e) => e.fault === `#${outage.id}`).length;
    const states = new Set<string>();
    // Outlast the budget several times over: the outage lasts five budgets and is met by many requests.
    await until(
      async () => {
        const job = await stack.queues.export.getJob(id);
        states.add((await job?.getState()) ?? 'missing');
        return Date.now() - outageStarted > 5 * RETRY_BUDGET_MS && faulted() >= 6 ? true : undefined;
      },
      60_000,
      10,
    );
    const served = faulted();
    const givenUp = stack.logLines.filter(
      (l) => l.includes(id) && l.includes('Databricks unavailable while polling'),
    ).length;
    const during = await stack.queues.export.getJob(id);
    dbx.removeFault(outage.id);

    // The step saw the client give up (budget spent) more than once, and no attempt failed for it.
    expect(during?.stacktrace ?? [], 'failed attempts during the outage').toEqual([]);
    expect(during?.attemptsMade, 'attempts made during the outage').toBe(0);
    expect(served).toBeGreaterThanOrEqual(6);
    expect(givenUp).toBeGreaterThanOrEqual(2);
    expect((during?.data as { progress: { runId: number } }).progress.runId).toBe(saved);
    // Between looks the job waited in `delayed`, holding no slot.
    expect([...states]).toContain('delayed');

    const [done] = await stack.waitForSyncs([id], 60_000);
    expect(done?.status, JSON.stringify(done?.error)).toBe('succeeded');
    expect(done?.databricks.runId).toBe(saved);
    const job = await stack.queues.export.getJob(id);
    expect(job?.stacktrace ?? [], 'no attempt of the export job failed').toEqual([]);
    expect(job?.attemptsMade).toBeLessThanOrEqual(1);
    // One run for the sync's token, and no other run at all.
    expect(runsFor(stack, id).admin).toEqual([saved]);
    expect(dbx.runs()).toHaveLength(1);
  }, 120_000);
});

/** Polls `check` until it returns a value; bounded by a deadline, never asserting on elapsed time. */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
