import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FORECASTS_DATASET, type SyncStack, startSyncStack } from './support/sync-stack.js';

const SLOW_JOB_ID = 1091;
const SLOW_FORECASTS_DATASET = FORECASTS_DATASET.replace('datasets:\n', '')
  .replace('  forecasts:', '  forecasts_slow:')
  .replace('jobId: 1001', `jobId: ${SLOW_JOB_ID}`)
  .replace('exports/forecasts,', 'exports/forecasts_slow,');

describe('export: API → export worker → Databricks emulator (real Redis, real HTTP)', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: `${FORECASTS_DATASET}${SLOW_FORECASTS_DATASET}`,
      // A copy of job 1001 whose runs take a minute (at the stack's time scale), for tests that must act on a
      // run still running however loaded the machine is.
      databricksFixture: (sandbox) => ({
        ...sandbox,
        jobs: [
          ...sandbox.jobs,
          ...sandbox.jobs
            .filter((job) => job.job_id === 1001)
            .map((job) => ({
              ...job,
              job_id: SLOW_JOB_ID,
              name: 'export-shared-forecasts-slow',
              timing: { pending_ms: 1000, running_ms: 600_000, terminating_ms: 500 },
            })),
        ],
      }),
    });
  });
  afterAll(() => stack?.close());

  const runNowCalls = (syncId: string) =>
    stack.databricks.requestLog
      .entries({ route: 'jobs/run-now' })
      .filter((e) => e.idempotencyToken === `d2s-${syncId}`);

  it('triggers one run with the sync’s output path, polls it to the end and hands off to import', async () => {
    const created = await stack.request('POST', '/v1/syncs', {
      dataset: 'forecasts',
      parameters: { forecast_date: '2024-06-02' },
    });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    const handedOff = await stack.waitForStatus(id, (s) => s.status === 'importing');
    expect(handedOff.databricks).toMatchObject({
      runId: expect.any(Number),
      runPageUrl: expect.stringContaining('#job/1001/run/'),
    });
    expect(handedOff.databricks.resultState).toBe('SUCCESS');
    const importJob = await stack.queues.import.getJob(id);
    expect(importJob?.data).toMatchObject({ runId: handedOff.databricks.runId, request: { syncId: id } });
    const calls = runNowCalls(id);
    expect(calls).toHaveLength(1);
    const run = await stack.databricksClient.jobs.getRun(handedOff.databricks.runId as number);
    expect(run.job_parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'output_path', value: `s3://d2s-sandbox/exports/forecasts/${id}/` }),
        expect.objectContaining({ name: 'forecast_date', value: '2024-06-02' }),
      ]),
    );
    const written = await readdir(join(stack.objectStoreRoot, 'd2s-sandbox/exports/forecasts', id));
    expect(written.filter((f) => f.endsWith('.parquet'))).toHaveLength(4);
    // Polling did not hold a worker slot: the export job sat in `delayed` between polls.
    expect(stack.databricks.requestLog.entries({ route: 'jobs/runs/get' }).length).toBeGreaterThan(1);
  });

  it('fails the sync with the run link and Databricks’ message when the run fails, and loads nothing', async () => {
    stack.databricks.admin.addRunFault({
      job_id: 1001,
      outcome: 'FAILED',
      message: 'Notebook raised: table not found',
    });
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts' });
    const failed = await stack.waitForStatus(created.body.id, (s) => s.status === 'failed');
    expect(failed.error).toMatchObject({ code: 'DATABRICKS_RUN_FAILED', stage: 'export' });
    expect(failed.error?.message).toContain('table not found');
    expect(failed.error?.message).toContain(failed.databricks.runPageUrl);
    expect(failed.error?.details).toMatchObject({ runPageUrl: expect.stringContaining('/run/') });
    expect(await stack.queues.import.getJob(created.body.id)).toBeUndefined();
  });

  it('cancels the Databricks run when the sync is canceled while exporting', async () => {
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts' });
    const id = created.body.id as string;
    const exporting = await stack.waitForStatus(
      id,
      (s) => s.status === 'exporting' && s.databricks.runId !== undefined,
    );
    const cancel = await stack.request('POST', `/v1/syncs/${id}/cancel`);
    expect(cancel.status).toBe(202);
    const canceled = await stack.waitForStatus(id, (s) => s.status === 'canceled');
    expect(canceled.error?.code).toBe('SYNC_CANCELED');
    expect(
      stack.databricks.requestLog
        .entries({ route: 'jobs/runs/cancel' })
        .some((e) => e.runId === exporting.databricks.runId),
    ).toBe(true);
    // The run's final state, not the last one polled before the cancel (Jobs API: a canceled run ends
    // TERMINATED with result_state CANCELED).
    expect(canceled.databricks).toMatchObject({ lifeCycleState: 'TERMINATED', resultState: 'CANCELED' });
    expect(canceled.error?.details).toMatchObject({
      runId: exporting.databricks.runId,
      runPageUrl: expect.stringContaining('/run/'),
      lifeCycleState: 'TERMINATED',
      resultState: 'CANCELED',
    });
    const again = await stack.request('POST', `/v1/syncs/${id}/cancel`);
    expect(again.status).toBe(409);
    const retried = await stack.request('POST', `/v1/syncs/${id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ retryOf: id, status: 'queued' });
    expect(retried.body.id).not.toBe(id);
    // Runs to the hand-off, so no run of this test is still polling when the next test starts.
    await stack.waitForStatus(retried.body.id, (s) => s.status === 'importing');
  });

  it('waits out a long Retry-After in delayed, not in a worker slot, so a cancel lands at once', async () => {
    // Found: with 503 + Retry-After: 50 on run polls the export job stayed active for 51 s inside the
    // client's retry sleep, and a cancel took that long to land.
    // The next run poll (this sync's first: no other sync is running) is refused.
    stack.databricks.admin.addHttpFault({ route: 'jobs/runs/get', status: 503, retry_after_seconds: 50, count: 1 });
    // The slow job: the run is still running when the cancel reaches Databricks, however loaded the machine.
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_slow' });
    const id = created.body.id as string;
    const exporting = await stack.waitForStatus(
      id,
      (s) => s.status === 'exporting' && s.databricks.runId !== undefined,
    );
    const refused = () =>
      stack.databricks.requestLog
        .entries({ route: 'jobs/runs/get' })
        .filter((e) => e.query.run_id === String(exporting.databricks.runId) && e.status === 503);
    const deadline = Date.now() + 15_000;
    while (refused().length === 0 && Date.now() < deadline) await sleep(20);
    expect(refused()).toHaveLength(1);
    const job = await stack.queues.export.getJob(id);
    let state = await job?.getState();
    for (let i = 0; i < 100 && state === 'active'; i++) {
      await sleep(20);
      state = await job?.getState();
    }
    expect(state).toBe('delayed');

    const cancel = await stack.request('POST', `/v1/syncs/${id}/cancel`);
    expect(cancel.status).toBe(202);
    // Well inside the 50 s the job would otherwise have slept.
    const canceled = await stack.waitForStatus(id, (s) => s.status === 'canceled', 20_000);
    expect(canceled.databricks).toMatchObject({
      runId: exporting.databricks.runId,
      runPageUrl: expect.stringContaining('/run/'),
      lifeCycleState: 'TERMINATED',
      resultState: 'CANCELED',
    });
    // The fault was used up by one poll: no retry inside the client.
    expect(refused()).toHaveLength(1);
  });

  it('rides out bursts of 429 with Retry-After and 503 from Databricks', async () => {
    stack.databricks.admin.addHttpFault({ route: 'jobs/runs/get', status: 429, retry_after_seconds: 1, count: 3 });
    stack.databricks.admin.addHttpFault({ route: 'jobs/run-now', status: 503, count: 1 });
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts' });
    const done = await stack.waitForStatus(created.body.id, (s) => s.status === 'importing', 30_000);
    expect(done.databricks.resultState).toBe('SUCCESS');
    expect(runNowCalls(created.body.id).filter((e) => e.status === 200)).toHaveLength(1);
  });

  it('fires a sync from a schedule', async () => {
    const put = await stack.request('PUT', '/v1/schedules/every-second', {
      kind: 'sync',
      dataset: 'forecasts',
      every: 1_000,
    });
    expect(put.status).toBe(200);
    try {
      const deadline = Date.now() + 15_000;
      let scheduled: { id: string; origin: string }[] = [];
      while (Date.now() < deadline && scheduled.length === 0) {
        const list = await stack.request('GET', '/v1/syncs?dataset=forecasts&limit=200');
        scheduled = list.body.items.filter((s: { origin: string }) => s.origin === 'schedule:every-second');
        await sleep(200);
      }
      expect(scheduled.length).toBeGreaterThan(0);
    } finally {
      await stack.request('DELETE', '/v1/schedules/every-second');
    }
  });
});

describe('export: a run past the dataset’s max duration', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    // Real-time runs (4.5 s) against a 1 s limit.
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: FORECASTS_DATASET.replace('maxRunDurationSeconds: 600', 'maxRunDurationSeconds: 1'),
      timeScale: 1,
    });
  });
  afterAll(() => stack?.close());

  it('is canceled by d2s and fails the sync with EXPORT_TIMED_OUT', async () => {
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts' });
    const failed = await stack.waitForStatus(created.body.id, (s) => s.status === 'failed', 20_000);
    expect(failed.error).toMatchObject({ code: 'EXPORT_TIMED_OUT', stage: 'export' });
    expect(failed.error?.message).toMatch(/longer than 1 s/);
    const runId = failed.databricks.runId;
    expect(stack.databricks.requestLog.entries({ route: 'jobs/runs/cancel' }).some((e) => e.runId === runId)).toBe(
      true,
    );
  });
});
