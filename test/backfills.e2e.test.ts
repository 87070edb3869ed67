import { startWorker } from '@d2s/shared';
import { sleep } from '@d2s/testkit';
import type { Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBackfillProcessor } from '../apps/export-worker/src/index.js';
import { listRuns, maxConcurrentRuns } from './support/databricks-runs.js';
import { forecastsBackfillDatasetYaml } from './support/load-datasets.js';
import { type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * Backfills (#15): one sync per date over a range, at most maxConcurrent at once (as the Databricks
 * emulator saw the runs), a repeated request adding nothing, cancel stopping the rest; through the real
 * API, export and import workers, the backfill queue's processor and both emulators.
 */
const BACKFILL_DATASET = `
datasets:${forecastsBackfillDatasetYaml(['region: { type: string, default: eu }'])}
`;

interface BackfillBody {
  id: string;
  status: string;
  counts: Record<string, number>;
  items: { value: string; status: string; syncId?: string }[];
  deduplicated?: string;
}

describe('backfills', () => {
  let stack: SyncStack;
  let backfillWorker: Worker;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: BACKFILL_DATASET,
      snowflake: true,
      timeScale: 0.2,
    });
    const logger = pino({ level: process.env.D2S_TEST_LOG ?? 'silent' });
    backfillWorker = startWorker(
      'backfill',
      createBackfillProcessor({ backfills: stack.backfills, config: stack.config, logger }),
      { config: stack.config, logger, concurrency: 2 },
    );
  }, 60_000);
  afterAll(async () => {
    await backfillWorker?.close();
    await stack?.close();
  });

  async function waitForBackfill(id: string, done: (b: BackfillBody) => boolean, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    let last: BackfillBody | undefined;
    while (Date.now() < deadline) {
      last = (await stack.request('GET', `/v1/backfills/${id}`)).body as BackfillBody;
      if (done(last)) return last;
      await sleep(100);
    }
    throw new Error(`backfill ${id} did not get there; last: ${JSON.stringify(last)}`);
  }

  const runsOf = async (syncIds: string[]) =>
    (await listRuns(stack.databricks, 1001, 'dapi-sandbox-token')).filter((run) =>
      syncIds.some((id) => (run.parameters.output_path ?? '').includes(`/${id}/`)),
    );

  it('runs 10 dates with at most 3 at once, and a repeated request adds nothing', async () => {
    const spec = {
      dataset: 'forecasts_backfill',
      parameter: 'forecast_date',
      from: '2024-05-01',
      to: '2024-05-10',
      step: '1d',
      maxConcurrent: 3,
      parameters: { region: 'us' },
    };
    const created = await stack.request('POST', '/v1/backfills', spec);
    expect(created.status).toBe(202);
    const id = (created.body as BackfillBody).id;
    expect((created.body as BackfillBody).items.map((i) => i.value)).toEqual(
      Array.from({ length: 10 }, (_, i) => `2024-05-${String(i + 1).padStart(2, '0')}`),
    );
    // The same request while it runs names the same backfill.
    const again = await stack.request('POST', '/v1/backfills', { ...spec, maxConcurrent: 5 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id, deduplicated: 'same-request' });

    const done = await waitForBackfill(id, (b) => b.status !== 'running');
    expect(done.status).toBe('succeeded');
    expect(done.counts.succeeded).toBe(10);
    const syncIds = done.items.map((i) => i.syncId as string);
    expect(new Set(syncIds).size).toBe(10);

    // What Databricks saw: one run per date with that date and the fixed parameter, never more than 3 at once.
    const runs = await runsOf(syncIds);
    expect(runs).toHaveLength(10);
    expect(runs.map((r) => r.parameters.forecast_date).sort()).toEqual(done.items.map((i) => i.value));
    expect(runs.every((r) => r.parameters.region === 'us')).toBe(true);
    expect(maxConcurrentRuns(runs)).toBe(3);
    const sync = await stack.request('GET', `/v1/syncs/${syncIds[0]}`);
    expect(sync.body.origin).toBe(`backfill:${id}`);

    // Asked again after it ended: the same backfill, no new job, no new sync, no new run.
    const jobsBefore = await stack.queues.export.getJobCountByTypes('completed', 'failed', 'active', 'wait', 'delayed');
    const repeated = await stack.request('POST', '/v1/backfills', spec);
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ id, status: 'succeeded', deduplicated: 'same-request' });
    await sleep(500);
    expect(await stack.queues.export.getJobCountByTypes('completed', 'failed', 'active', 'wait', 'delayed')).toBe(
      jobsBefore,
    );
    expect(await runsOf(syncIds)).toHaveLength(10);
  }, 150_000);

  it('cancel stops the rest: values not started never start, running ones are canceled', async () => {
    const created = await stack.request('POST', '/v1/backfills', {
      dataset: 'forecasts_backfill',
      parameter: 'forecast_date',
      from: '2024-07-01',
      to: '2024-07-10',
      maxConcurrent: 2,
    });
    expect(created.status).toBe(202);
    const id = (created.body as BackfillBody).id;
    await waitForBackfill(id, (b) => b.items.filter((i) => i.syncId).length >= 2, 30_000);
    const canceled = await stack.request('DELETE', `/v1/backfills/${id}`);
    expect(canceled.status).toBe(202);
    expect(['canceling', 'canceled']).toContain(canceled.body.status);

    const done = await waitForBackfill(
      id,
      (b) =>
        b.status === 'canceled' &&
        b.items.every((i) => ['pending', 'succeeded', 'failed', 'canceled'].includes(i.status)),
      60_000,
    );
    const started = done.items.filter((i) => i.syncId);
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(started.length).toBeLessThan(10);
    expect(done.counts.pending).toBe(10 - started.length);
    expect(started.some((i) => i.status === 'canceled')).toBe(true);
    // Nothing started after the cancel: Databricks has runs only for the syncs that were started.
    await sleep(1_000);
    const after = (await stack.request('GET', `/v1/backfills/${id}`)).body as BackfillBody;
    expect(after.items.filter((i) => i.syncId)).toHaveLength(started.length);
    expect((await runsOf(started.map((i) => i.syncId as string))).length).toBeLessThanOrEqual(started.length);

    const again = await stack.request('POST', `/v1/backfills/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('BACKFILL_ALREADY_FINISHED');
  }, 120_000);

  it('refuses bad requests with a 400 naming the field', async () => {
    const base = { dataset: 'forecasts_backfill', parameter: 'forecast_date', from: '2024-01-01', to: '2024-01-05' };
    const cases: [Record<string, unknown>, string, string | undefined][] = [
      [{ ...base, parameter: 'region' }, 'INVALID_BACKFILL', 'parameter'],
      [{ ...base, from: '2024-02-30' }, 'INVALID_BACKFILL', 'from'],
      [{ ...base, to: '2023-12-31' }, 'INVALID_BACKFILL', 'to'],
      [{ ...base, step: '1h' }, 'INVALID_BACKFILL', 'step'],
      [{ ...base, parameters: { forecast_date: '2024-01-01' } }, 'INVALID_BACKFILL', 'parameters'],
      [{ ...base, dataset: 'constructor' }, 'UNKNOWN_DATASET', undefined],
      [{ ...base, maxConcurrent: 0 }, 'INVALID_REQUEST', undefined],
    ];
    for (const [body, code, field] of cases) {
      const answer = await stack.request('POST', '/v1/backfills', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code, JSON.stringify(answer.body)).toBe(code);
      if (field) expect(answer.body.error.details.field).toBe(field);
    }
    expect((await stack.request('GET', '/v1/backfills/backfill_00000000000000000000000000')).status).toBe(404);
    expect((await stack.request('GET', '/v1/backfills/nope')).status).toBe(400);
  });
});
