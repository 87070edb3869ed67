import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { forecastsDataset, runsFor, type Stack, startStack } from './support/stack.js';

const SYNCS = 8;

/**
 * Polling holds no worker slot, tested directly: one export slot, eight
 * syncs whose runs last seconds. Were the slot held while a run is polled,
 * the runs would go one after another (each polled to its end before the
 * next is triggered). Instead every run is triggered while the first is
 * still being polled, the runs' polls interleave, and each export job is
 * seen waiting in `delayed` between its polls.
 */
describe('polling holds no slot', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'slots',
      datasetsYaml: `datasets:${forecastsDataset('forecasts_append', 'FORECASTS_APPEND', 'append')}`,
      workersYaml: `
workers:
  export: { concurrency: 1, pollInitialMs: 100, pollMaxMs: 300, pollGrowth: 1.5 }
  lockDurationMs: 5000
  stalledIntervalMs: 1000
`,
      inProcess: ['export'],
      // Runs last 4.5 s (pending 1 s, running 3 s, terminating 0.5 s): many polls each.
      timeScale: 1,
      logLevel: 'warn',
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it(`one slot carries ${SYNCS} runs at once`, async () => {
    const dbx = stack.databricks.admin;
    const ids: string[] = [];
    for (let i = 0; i < SYNCS; i++) {
      const answer = await stack.request('POST', '/v1/syncs', {
        dataset: 'forecasts_append',
        parameters: { forecast_date: `2024-06-0${i + 1}` },
      });
      expect(answer.status, answer.text).toBe(202);
      ids.push(answer.body.id);
    }

    // Watch each export job's state until every sync is handed off to import (no import worker runs here).
    const seen = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
    let mostActive = 0;
    const deadline = Date.now() + 90_000;
    for (;;) {
      // The active list's length is read in one command: counting `active` over eight separate
      // getState calls can see one job before it leaves and the next after it arrives (a CI run did).
      const [active, states] = await Promise.all([
        stack.queues.export.getActiveCount(),
        Promise.all(ids.map(async (id) => (await (await stack.queues.export.getJob(id))?.getState()) ?? 'missing')),
      ]);
      states.forEach((state, i) => seen.get(ids[i] as string)?.add(state));
      mostActive = Math.max(mostActive, active);
      if (states.every((s) => s === 'completed' || s === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`exports did not finish: ${JSON.stringify(states)}`);
      await sleep(15);
    }
    const views = await Promise.all(ids.map((id) => stack.syncs.get(id)));
    expect(views.map((v) => v?.status)).toEqual(ids.map(() => 'importing'));

    // The emulator's own record, in the order it served requests.
    const runIds = ids.map((id) => runsFor(stack, id).admin);
    for (const [i, runs] of runIds.entries()) expect(runs, ids[i]).toHaveLength(1);
    const log = dbx.requests().filter((e) => e.route === 'jobs/run-now' || e.route === 'jobs/runs/get');
    const runNowAt = log.map((e, i) => (e.route === 'jobs/run-now' ? i : -1)).filter((i) => i >= 0);
    const firstRun = runIds[0]?.[0];
    const pollsOfFirst = log.map((e, i) => (e.route === 'jobs/runs/get' && e.runId === firstRun ? i : -1));
    const lastPollOfFirst = Math.max(...pollsOfFirst);
    // Every run was triggered while the first run was still being polled.
    expect(runNowAt).toHaveLength(SYNCS);
    expect(Math.max(...runNowAt), 'last run-now vs last poll of the first run').toBeLessThan(lastPollOfFirst);
    // Polls interleave: the run polled changes far more often than once per run.
    const polled = log.filter((e) => e.route === 'jobs/runs/get').map((e) => e.runId);
    const switches = polled.filter((runId, i) => i > 0 && runId !== polled[i - 1]).length;
    expect(switches, 'changes of run between consecutive polls').toBeGreaterThan(3 * SYNCS);

    // One slot: never more than one export job active at a time.
    expect(mostActive).toBeLessThanOrEqual(1);
    // Each job waited in `delayed` between polls.
    for (const [id, states] of seen) expect([...states], id).toContain('delayed');
  }, 150_000);
});
