import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listRuns } from './support/databricks-runs.js';
import { FORECASTS_DATASET, type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * Schedules that mean a date (#15): a parameter templated over the firing time, checked when the schedule is
 * saved (400 with the position of the error), rendered in the schedule's time zone when it fires, and passed
 * to the Databricks job as the rendered date.
 */
describe('templated schedule parameters', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: FORECASTS_DATASET });
  }, 60_000);
  afterAll(() => stack?.close());

  /** The calendar date of an instant in a time zone, computed here independently of d2s's renderer. */
  function dateIn(epochMs: number, timeZone: string, minusDays = 0): string {
    const local = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const [y, m, d] = local.format(new Date(epochMs)).split('-').map(Number) as [number, number, number];
    return new Date(Date.UTC(y, m - 1, d - minusDays)).toISOString().slice(0, 10);
  }

  it('refuses a template that does not parse, naming the parameter and the position', async () => {
    const answer = await stack.request('PUT', '/v1/schedules/bad-template', {
      kind: 'sync',
      dataset: 'forecasts',
      parameters: { forecast_date: '{{ firing_date | minus_days }}' },
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'INVALID_PARAMETER_TEMPLATE',
      details: { parameter: 'forecast_date', position: 28 },
    });
    expect(answer.body.error.message).toContain('needs a number');

    // It parses, but renders a time where the dataset declares a date: refused as the sync would be.
    const wrongType = await stack.request('PUT', '/v1/schedules/bad-template', {
      kind: 'sync',
      dataset: 'forecasts',
      parameters: { forecast_date: '{{ firing_time }}' },
      cron: '0 3 * * *',
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.code).toBe('INVALID_PARAMETERS');
    expect((await stack.request('GET', '/v1/schedules/bad-template')).status).toBe(404);
  });

  it('renders the template for each firing in the schedule time zone and runs the job with that date', async () => {
    const template = '{{ firing_date | minus_days(1) }}';
    const saved = await stack.request('PUT', '/v1/schedules/yesterday-tokyo', {
      kind: 'sync',
      dataset: 'forecasts',
      parameters: { forecast_date: template },
      every: 1000,
      tz: 'Asia/Tokyo',
    });
    expect(saved.status).toBe(200);
    // The schedule keeps the template; each sync gets the rendered value.
    expect(saved.body.parameters).toEqual({ forecast_date: template });

    // Each firing is a job `repeat:<schedule id>:<scheduled millis>` (BullMQ's Job Scheduler ids).
    let firing: { syncId: string; firedAt: number } | undefined;
    const deadline = Date.now() + 30_000;
    while (!firing && Date.now() < deadline) {
      const done = await stack.queues.export.getCompleted();
      const job = done.find((j) => j.name === 'sync-scheduled' && j.data.scheduleId === 'yesterday-tokyo');
      if (job) firing = { syncId: job.returnvalue.syncId as string, firedAt: Number(String(job.id).split(':').pop()) };
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await stack.request('DELETE', '/v1/schedules/yesterday-tokyo')).status).toBe(204);
    expect(firing, 'the schedule never fired').toBeDefined();
    const { syncId, firedAt } = firing as { syncId: string; firedAt: number };
    const expected = dateIn(firedAt, 'Asia/Tokyo', 1);

    const sync = await stack.request('GET', `/v1/syncs/${syncId}`);
    expect(sync.body).toMatchObject({ origin: 'schedule:yesterday-tokyo', parameters: { forecast_date: expected } });
    await stack.waitForStatus(syncId, (s) => s.databricks.runId !== undefined);
    const runs = (await listRuns(stack.databricks, 1001, 'dapi-sandbox-token')).filter((run) =>
      (run.parameters.output_path ?? '').includes(`/${syncId}/`),
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]?.parameters.forecast_date).toBe(expected);
  }, 60_000);
});
