import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listRuns, maxConcurrentRuns } from './support/databricks-runs.js';
import { type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * A single-active dataset with `onBusy: queue` (#13): a request that differs from the running sync is
 * accepted and waits its turn, first come first served; the export worker never starts a Databricks run
 * while another sync of the dataset is active; a schedule firing on the busy dataset queues too; a
 * canceled waiter leaves the line; and the line survives the export worker being SIGKILLed.
 */
const QUEUED_DATASET = `
datasets:
  forecasts_queue:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/forecasts_queue, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: FORECASTS_QUEUE }
      createTable: true
    parameters:
      forecast_date: { type: date, default: "2024-06-01" }
    singleActive: true
    onBusy: queue
`;

const ENDED = ['succeeded', 'failed', 'canceled'];

function runsBySync(runs: Awaited<ReturnType<typeof listRuns>>, syncIds: string[]) {
  return syncIds.map((id) => runs.filter((run) => (run.parameters.output_path ?? '').includes(`/${id}/`)));
}

describe('queue behind the active sync (onBusy: queue)', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: QUEUED_DATASET,
      snowflake: true,
      timeScale: 0.2,
    });
  }, 60_000);
  afterAll(() => stack?.close());

  const request = (forecastDate: string) =>
    stack.request('POST', '/v1/syncs', { dataset: 'forecasts_queue', parameters: { forecast_date: forecastDate } });

  it('accepts requests for other dates, runs them one at a time in order, joins an identical waiter', async () => {
    const first = await request('2024-06-01');
    expect(first.status).toBe(202);
    const second = await request('2024-06-02');
    const third = await request('2024-06-03');
    expect(second.status).toBe(202);
    expect(second.body.status).toBe('queued');
    expect(second.body.queue).toEqual({ behind: first.body.id, ahead: 1 });
    expect(second.body.links.queuedBehind).toBe(`/v1/syncs/${first.body.id}`);
    expect(third.status).toBe(202);
    expect(third.body.queue).toEqual({ behind: second.body.id, ahead: 2 });

    // Only an identical request joins: the one waiting for 2024-06-02 is the answer, nothing new is queued.
    const again = await request('2024-06-02');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: second.body.id, deduplicated: 'already-queued' });

    const ids = [first.body.id, second.body.id, third.body.id] as string[];
    const done = await Promise.all(ids.map((id) => stack.waitForStatus(id, (s) => ENDED.includes(s.status), 90_000)));
    expect(done.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    // What Databricks saw: one run per sync, never two at once, started in the order they were requested.
    const runs = runsBySync(await listRuns(stack.databricks, 1001, 'dapi-sandbox-token'), ids);
    expect(runs.map((r) => r.length)).toEqual([1, 1, 1]);
    expect(maxConcurrentRuns(runs.flat())).toBe(1);
    const [a, b, c] = runs.map((r) => r[0]?.startTime ?? Number.NaN);
    expect(a).toBeLessThan(b as number);
    expect(b).toBeLessThan(c as number);
    // The next sync starts only once the one before it ended entirely (its import included).
    expect(b).toBeGreaterThanOrEqual(Date.parse(done[0]?.timings.finishedAt ?? ''));
    expect(c).toBeGreaterThanOrEqual(Date.parse(done[1]?.timings.finishedAt ?? ''));
  }, 120_000);

  it('a canceled waiter leaves the line and the one behind it moves up', async () => {
    const running = await request('2024-07-01');
    const waiter = await request('2024-07-02');
    const behind = await request('2024-07-03');
    expect(behind.body.queue).toEqual({ behind: waiter.body.id, ahead: 2 });

    const canceled = await stack.request('POST', `/v1/syncs/${waiter.body.id}/cancel`);
    expect(canceled.status).toBe(202);
    const ended = await stack.waitForStatus(waiter.body.id, (s) => ENDED.includes(s.status));
    expect(ended.status).toBe('canceled');
    expect(ended.databricks.runId).toBeUndefined();
    const moved = await stack.waitForStatus(
      behind.body.id,
      (s) => s.queue?.behind === running.body.id || s.status !== 'queued',
    );
    if (moved.status === 'queued') expect(moved.queue).toEqual({ behind: running.body.id, ahead: 1 });

    const done = await stack.waitForStatus(behind.body.id, (s) => ENDED.includes(s.status), 90_000);
    expect(done.status).toBe('succeeded');
  }, 120_000);

  it('a schedule firing while the dataset is busy queues its sync instead of failing', async () => {
    const running = await request('2024-08-01');
    expect(running.status).toBe(202);
    const saved = await stack.request('PUT', '/v1/schedules/busy-nightly', {
      kind: 'sync',
      dataset: 'forecasts_queue',
      parameters: { forecast_date: '2024-08-02' },
      every: 1000,
    });
    expect(saved.status).toBe(200);
    let fired: { id: string; status: string; queue?: { behind: string } } | undefined;
    const deadline = Date.now() + 30_000;
    while (!fired && Date.now() < deadline) {
      const page = await stack.request('GET', '/v1/syncs?dataset=forecasts_queue&limit=20');
      fired = (page.body.items as { id: string; origin: string; status: string }[]).find(
        (s) => s.origin === 'schedule:busy-nightly',
      );
      if (!fired) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await stack.request('DELETE', '/v1/schedules/busy-nightly')).toMatchObject({ status: 204 });
    expect(fired, 'the schedule never fired a sync').toBeDefined();
    const firedId = (fired as { id: string }).id;

    const done = await Promise.all(
      [running.body.id as string, firedId].map((id) =>
        stack.waitForStatus(id, (s) => ENDED.includes(s.status), 90_000),
      ),
    );
    expect(done.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    // No firing failed with DATASET_BUSY: later firings of the same parameters joined the waiting sync.
    const failedFirings = (await stack.queues.export.getFailed()).filter((job) => job.name === 'sync-scheduled');
    expect(failedFirings.map((job) => job.failedReason)).toEqual([]);
    const runs = runsBySync(await listRuns(stack.databricks, 1001, 'dapi-sandbox-token'), [
      running.body.id as string,
      firedId,
    ]);
    expect(runs.map((r) => r.length)).toEqual([1, 1]);
    expect(runs[1]?.[0]?.startTime).toBeGreaterThanOrEqual(Date.parse(done[0]?.timings.finishedAt ?? ''));
  }, 120_000);
});

describe('queue behind the active sync, export worker SIGKILLed', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: QUEUED_DATASET,
      snowflake: true,
      exportWorker: false,
      timeScale: 0.3,
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('keeps the line through a crash: each queued sync runs once, after the one before it', async () => {
    const ids: string[] = [];
    for (const date of ['2024-09-01', '2024-09-02', '2024-09-03']) {
      const answer = await stack.request('POST', '/v1/syncs', {
        dataset: 'forecasts_queue',
        parameters: { forecast_date: date },
      });
      expect(answer.status).toBe(202);
      ids.push(answer.body.id as string);
    }
    const first = stack.spawnService('export-worker');
    // Killed while the first sync's run goes and the others wait in `delayed`, re-checking their turn.
    await stack.waitForStatus(
      ids[0] as string,
      (s) => s.status === 'exporting' && s.databricks.runId !== undefined,
      30_000,
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).not.toBe(0);
    const second = stack.spawnService('export-worker');
    const done = await Promise.all(
      ids.map((id) =>
        stack
          .waitForStatus(id, (s) => ENDED.includes(s.status), 90_000)
          .catch((error: unknown) => {
            throw new Error(`${(error as Error).message}\n--- worker ---\n${second.output().slice(-3000)}`);
          }),
      ),
    );
    expect(done.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const runs = runsBySync(await listRuns(stack.databricks, 1001, 'dapi-sandbox-token'), ids);
    expect(runs.map((r) => r.length)).toEqual([1, 1, 1]);
    expect(maxConcurrentRuns(runs.flat())).toBe(1);
    const starts = runs.map((r) => r[0]?.startTime ?? 0);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 150_000);
});
