import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, waitFor } from '../../scripts/src/local-stack.js';
import { labelValues, scrape, sumOf } from './support/prometheus.js';
import { forecastsDataset, type Stack, startStack } from './support/stack.js';

const DATASETS = `
datasets:${forecastsDataset('forecasts_append', 'FORECASTS_APPEND', 'append')}${forecastsDataset(
  'missing_table',
  'NO_SUCH_TABLE',
  'append',
  { createTable: false },
)}`;

const MIRROR_YAML = `
mirror:
  catalogs:
    - { name: sales, database: SALES_MIRROR }
  refreshIntervalSeconds: 300
`;

/**
 * Every outcome is counted: the three workers as processes (built output),
 * each with its /metrics on a free port, after syncs that succeed, fail
 * (a failed Databricks run; a COPY into a table that does not exist) and are
 * canceled (while exporting; while the COPY runs), and a mirror run. Read
 * over HTTP, as Prometheus would.
 */
describe('worker metrics over HTTP', () => {
  let stack: Stack;
  const ports = { export: 0, import: 0, mirror: 0 };
  /** The mirror run's actions by kind, and what the mirror worker counted, for the known-bug test below. */
  const mirrorCounts: { planned: Record<string, number>; counted: Record<string, number> } = {
    planned: {},
    counted: {},
  };

  beforeAll(async () => {
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'metrics',
      datasetsYaml: DATASETS,
      mirrorYaml: MIRROR_YAML,
      // Runs last 4.5 s, so a cancel lands while the export polls.
      timeScale: 1,
      logLevel: 'warn',
    });
    for (const name of ['export', 'import', 'mirror'] as const) {
      ports[name] = await freePort();
      const worker = stack.startProcess(`${name}-worker`, { D2S_METRICS_PORT: String(ports[name]), LOG_LEVEL: 'info' });
      await waitFor(
        `${name} worker's /metrics`,
        async () => (await scrape(ports[name])).length > 0,
        30_000,
        () => worker.output(),
      );
    }
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
  });

  const outputs = () => stack.processes.map((p) => `--- ${p.name} ---\n${p.output().slice(-1500)}`).join('\n');
  const create = async (dataset: string, forecastDate = '2024-06-01') => {
    const answer = await stack.request('POST', '/v1/syncs', { dataset, parameters: { forecast_date: forecastDate } });
    expect(answer.status, answer.text).toBe(202);
    return answer.body.id as string;
  };
  const ended = async (id: string) =>
    (
      await stack.waitForSyncs([id], 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${outputs()}`);
      })
    )[0];

  it('counts each sync outcome once, and job durations by queue, job and outcome', async () => {
    // A failed Databricks run (the next run of job 1001 ends FAILED).
    stack.databricks.admin.addRunFault({ job_id: 1001, outcome: 'FAILED', message: 'Notebook raised an exception.' });
    const runFailed = await create('forecasts_append', '2024-06-02');
    expect((await ended(runFailed))?.error?.code).toBe('DATABRICKS_RUN_FAILED');

    // A success, a COPY that fails (its table does not exist), and a cancel while the run is polled.
    const succeeded = await create('forecasts_append', '2024-06-03');
    const copyFailed = await create('missing_table');
    const exportCanceled = await create('forecasts_append', '2024-06-04');
    for (let i = 0; i < 600; i++) {
      const view = await stack.syncs.get(exportCanceled);
      if (view?.status === 'exporting' && view.databricks.runId !== undefined) break;
      await sleep(20);
    }
    expect((await stack.request('POST', `/v1/syncs/${exportCanceled}/cancel`)).status).toBe(202);
    expect((await ended(succeeded))?.status).toBe('succeeded');
    const copy = await ended(copyFailed);
    expect(copy?.status).toBe('failed');
    expect(copy?.error?.stage).toBe('import');
    expect((await ended(exportCanceled))?.status).toBe('canceled');

    // A cancel while the COPY runs (every statement now takes 2 s).
    const importCanceled = await create('forecasts_append', '2024-06-05');
    for (let i = 0; i < 600; i++) {
      if ((await stack.syncs.get(importCanceled))?.status === 'importing') break;
      await sleep(20);
    }
    stack.snowflake.emulator.admin.setLatency(2_000);
    const copying = () =>
      stack.snowflake.emulator.queryLog
        .entries()
        .some((e) => e.queryTag === `d2s:sync:${importCanceled}` && /^\s*COPY/i.test(e.sql) && e.status === 'RUNNING');
    for (let i = 0; i < 1_500 && !copying(); i++) await sleep(20);
    expect(copying(), 'the COPY was running when the cancel came').toBe(true);
    expect((await stack.request('POST', `/v1/syncs/${importCanceled}/cancel`)).status).toBe(202);
    const canceledInImport = await ended(importCanceled);
    stack.snowflake.emulator.admin.setLatency(0);
    expect(canceledInImport?.status, JSON.stringify(canceledInImport?.error)).toBe('canceled');

    const exportMetrics = await scrape(ports.export);
    const importMetrics = await scrape(ports.import);
    const outcome = (samples: typeof exportMetrics, dataset: string, result: string) =>
      sumOf(samples, 'd2s_sync_outcomes_total', { dataset, outcome: result });

    // Each sync's end is counted once, by the worker that saw it end.
    expect({
      export: {
        failed: outcome(exportMetrics, 'forecasts_append', 'failed'),
        canceled: outcome(exportMetrics, 'forecasts_append', 'canceled'),
        succeeded: outcome(exportMetrics, 'forecasts_append', 'succeeded'),
      },
      import: {
        succeeded: outcome(importMetrics, 'forecasts_append', 'succeeded'),
        failed: outcome(importMetrics, 'missing_table', 'failed'),
        canceled: outcome(importMetrics, 'forecasts_append', 'canceled'),
        failedAppend: outcome(importMetrics, 'forecasts_append', 'failed'),
      },
    }).toEqual({
      export: { failed: 1, canceled: 1, succeeded: 0 },
      import: { succeeded: 1, failed: 1, canceled: 1, failedAppend: 0 },
    });

    // Job durations: each activation that ended a job, by queue, job name and outcome.
    const durations = (samples: typeof exportMetrics, labels: Record<string, string>) =>
      sumOf(samples, 'd2s_job_duration_seconds_count', labels);
    // Export: three jobs completed (handed off), two failed (the failed run, the cancel).
    expect(durations(exportMetrics, { queue: 'export', job: 'sync-export', outcome: 'completed' })).toBe(3);
    expect(durations(exportMetrics, { queue: 'export', job: 'sync-export', outcome: 'failed' })).toBe(2);
    // Import: one load completed; the failed COPY and the canceled one failed their job.
    expect(durations(importMetrics, { queue: 'import', job: 'sync-import', outcome: 'completed' })).toBe(1);
    expect(durations(importMetrics, { queue: 'import', job: 'sync-import', outcome: 'failed' })).toBe(2);
    expect(labelValues(exportMetrics, 'd2s_job_duration_seconds_count', 'queue')).toEqual(['export']);
    expect(labelValues(importMetrics, 'd2s_job_duration_seconds_count', 'queue')).toEqual(['import']);
    expect(sumOf(exportMetrics, 'd2s_job_duration_seconds_sum', { queue: 'export' })).toBeGreaterThan(0);
  }, 240_000);

  it('mirror worker: plan and per-table actions counted, with their durations', async () => {
    const run = await stack.request('POST', '/v1/mirror/runs', {});
    expect(run.status, run.text).toBe(202);
    const done = await stack.waitForMirrorRun(run.body.id, 90_000);
    expect(done.status, JSON.stringify(done.actions.filter((a) => a.error))).toBe('succeeded');
    const actions = done.actions.length;
    expect(actions).toBeGreaterThan(0);

    const mirrorMetrics = await scrape(ports.mirror);
    const byKind = Object.fromEntries(
      labelValues(mirrorMetrics, 'd2s_mirror_actions_total', 'kind').map((kind) => [
        kind,
        sumOf(mirrorMetrics, 'd2s_mirror_actions_total', { kind, outcome: 'succeeded' }),
      ]),
    );
    const planned: Record<string, number> = {};
    for (const action of done.actions) planned[action.kind] = (planned[action.kind] ?? 0) + 1;
    Object.assign(mirrorCounts, { planned, counted: byKind });
    // Per-table actions (each a mirror-action job) are counted by kind.
    const tableKinds = Object.keys(planned).filter((k) => k.endsWith('-table'));
    expect(tableKinds.length).toBeGreaterThan(0);
    for (const kind of tableKinds) expect(byKind[kind], kind).toBe(planned[kind]);
    expect(sumOf(mirrorMetrics, 'd2s_mirror_actions_total', { outcome: 'failed' })).toBe(0);
    expect(
      sumOf(mirrorMetrics, 'd2s_job_duration_seconds_count', {
        queue: 'mirror',
        job: 'mirror-plan',
        outcome: 'completed',
      }),
    ).toBe(1);
    expect(
      sumOf(mirrorMetrics, 'd2s_job_duration_seconds_count', {
        queue: 'mirror',
        job: 'mirror-action',
        outcome: 'completed',
      }),
    ).toBe(tableKinds.reduce((n, kind) => n + (planned[kind] ?? 0), 0));
    // The mirror worker does not count syncs.
    expect(sumOf(mirrorMetrics, 'd2s_sync_outcomes_total')).toBe(0);
  }, 120_000);

  // Integration and schema actions run inside the plan job; they are counted as the table actions are.
  it('counts integration and schema actions too', () => {
    expect(Object.keys(mirrorCounts.planned).length).toBeGreaterThan(0);
    expect(mirrorCounts.counted).toEqual(mirrorCounts.planned);
  });
});
