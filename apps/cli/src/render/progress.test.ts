import { describe, expect, it } from 'vitest';
import type { Sync } from '../api-types.js';
import { CapturedSink } from '../output.js';
import { progressText, SyncProgress } from './progress.js';
import { renderSyncDetail, renderSyncSummary, renderSyncTable } from './sync.js';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');

function sync(overrides: Partial<Sync> = {}): Sync {
  return {
    id: 'sync_01TEST',
    dataset: 'forecasts_append',
    parameters: { forecast_date: '2024-06-01' },
    status: 'queued',
    databricks: {},
    load: null,
    timings: { createdAt: new Date(T0).toISOString(), durationsMs: {} },
    error: null,
    ...overrides,
  };
}

const succeeded = sync({
  status: 'succeeded',
  databricks: {
    runId: 42,
    runPageUrl: 'https://dbc.example/#job/1001/run/42',
    lifeCycleState: 'TERMINATED',
    resultState: 'SUCCESS',
  },
  load: {
    mode: 'append',
    files: [
      { file: 'part-0.parquet', status: 'LOADED', rowsLoaded: 6_000 },
      { file: 'part-1.parquet', status: 'LOADED', rowsLoaded: 4_000, previouslyLoaded: true },
    ],
    rowsLoaded: 10_000,
    targetRowCount: 20_000,
  },
  timings: {
    createdAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 63_000).toISOString(),
    durationsMs: { total: 63_000, export: 40_000 },
  },
});

describe('progress', () => {
  it('says stage, Databricks state, rows and elapsed time on one line', () => {
    expect(progressText({ syncId: 's', stage: 'exporting', lifeCycleState: 'RUNNING', elapsedMs: 42_000 })).toBe(
      'exporting · Databricks RUNNING · 0:42',
    );
    expect(
      progressText({
        syncId: 's',
        stage: 'importing',
        lifeCycleState: 'TERMINATED',
        resultState: 'SUCCESS',
        rowsLoaded: 2500,
        elapsedMs: 61_000,
      }),
    ).toBe('importing · Databricks TERMINATED/SUCCESS · 2,500 rows · 1:01');
  });

  it('redraws one line on a terminal and clears it at the end', () => {
    let now = T0 + 1_000;
    const sink = new CapturedSink({ isTTY: true, columns: 200 });
    const progress = new SyncProgress(sink, sync(), { now: () => now });
    now += 2_000;
    progress.stage({ id: 'sync_01TEST', stage: 'exporting', at: '' });
    now += 5_000;
    progress.status(sync({ status: 'exporting', databricks: { runId: 1, lifeCycleState: 'RUNNING' } }));
    progress.tick();
    progress.finish();
    const frames = sink.text.split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toMatch(/^. sync_01TEST queued · 0:01$/);
    expect(frames[1]).toMatch(/^. sync_01TEST exporting · 0:03$/);
    expect(frames[2]).toMatch(/^. sync_01TEST exporting · Databricks RUNNING · 0:08$/);
    expect(sink.text.endsWith('\r\x1b[2K')).toBe(true);
    expect(sink.text).not.toContain('\n');
  });

  it('cuts the line to the terminal width', () => {
    const sink = new CapturedSink({ isTTY: true, columns: 30 });
    new SyncProgress(sink, sync({ status: 'exporting', databricks: { lifeCycleState: 'RUNNING' } }), { now: () => T0 });
    expect(sink.text.replace('\r\x1b[2K', '')).toHaveLength(29);
  });

  it('writes a plain line per change when not on a terminal, and nothing for a mere tick', () => {
    let now = T0;
    const sink = new CapturedSink();
    const progress = new SyncProgress(sink, sync(), { now: () => now });
    now += 3_000;
    progress.stage({ id: 'sync_01TEST', stage: 'exporting', at: '' });
    progress.status(sync({ status: 'exporting', databricks: { lifeCycleState: 'PENDING' } }));
    now += 1_000;
    progress.status(sync({ status: 'exporting', databricks: { lifeCycleState: 'PENDING' } }));
    progress.tick();
    now += 30_000;
    progress.status(sync({ status: 'exporting', databricks: { lifeCycleState: 'RUNNING' } }));
    progress.finish();
    expect(sink.text).toBe(
      [
        '[ 0:00] queued',
        '[ 0:03] exporting',
        '[ 0:03] exporting (Databricks PENDING)',
        '[ 0:34] exporting (Databricks RUNNING)',
        '',
      ].join('\n'),
    );
  });
});

describe('sync rendering', () => {
  it('summarises a finished sync: files, rows loaded, target rows, run link', () => {
    expect(renderSyncSummary(succeeded, { now: T0 })).toBe(
      [
        'Sync sync_01TEST succeeded in 1m 03s',
        '  dataset      forecasts_append',
        '  parameters   forecast_date=2024-06-01',
        '  files        2 files, 2 loaded, 1 by an earlier attempt',
        '  rows loaded  10,000',
        '  target rows  20,000',
        '  Databricks   run 42 (TERMINATED/SUCCESS) https://dbc.example/#job/1001/run/42',
      ].join('\n'),
    );
  });

  it('shows what a merge did', () => {
    const merged = sync({
      ...succeeded,
      load: {
        mode: 'merge',
        rowsLoaded: 60,
        targetRowCount: 25,
        merge: {
          rowsStaged: 60,
          distinctKeys: 31,
          inserted: 4,
          updated: 9,
          deleted: 3,
          unchanged: 15,
          appliedNow: false,
        },
      },
    });
    expect(renderSyncSummary(merged, { now: T0 })).toContain(
      '  merged       4 inserted, 9 updated, 3 deleted, 15 unchanged (31 keys from 60 rows; applied by an earlier attempt)',
    );
    expect(renderSyncDetail(merged, { now: T0 })).toContain('  load mode    merge');
  });

  it('lists the failed Databricks tasks with their errors and trace heads, and the hint', () => {
    const failed = sync({
      status: 'failed',
      error: {
        code: 'DATABRICKS_RUN_FAILED',
        message: 'Databricks run 42 ended RUN_EXECUTION_ERROR (failed task: extract)',
        stage: 'export',
        hint: 'Re-run after fixing extract',
        failedTasks: [
          {
            taskKey: 'extract',
            resultState: 'FAILED',
            error: 'table not found\nmore',
            errorTraceHead: ['Traceback (most recent call last)', 'Exception: table not found'],
            errorTraceTruncated: true,
          },
          { taskKey: 'publish', resultState: 'UPSTREAM_FAILED', message: 'Upstream task extract failed.' },
        ],
      },
    });
    for (const text of [renderSyncSummary(failed, { now: T0 }), renderSyncDetail(failed, { now: T0 })]) {
      expect(text).toContain(
        [
          '  failed tasks',
          '    extract FAILED: table not found',
          '      Traceback (most recent call last)',
          '      Exception: table not found',
          '      …',
          '    publish UPSTREAM_FAILED: Upstream task extract failed.',
        ].join('\n'),
      );
      expect(text).toMatch(/\n {2}hint +Re-run after fixing extract/);
    }
    expect(
      renderSyncSummary(sync({ status: 'failed', error: { code: 'X', message: 'y' } }), { now: T0 }),
    ).not.toContain('failed tasks');
  });

  it("summarises a failed sync with the error's code and message", () => {
    const failed = sync({
      status: 'failed',
      databricks: { runId: 7, lifeCycleState: 'INTERNAL_ERROR', resultState: 'FAILED' },
      error: { code: 'DATABRICKS_RUN_FAILED', message: 'The run failed: boom', stage: 'export' },
    });
    const multiLine = renderSyncSummary(
      {
        ...failed,
        error: { code: 'SNOWFLAKE_QUERY_FAILED', message: 'SQL compilation error:\nDatabase X does not exist' },
      },
      { now: T0 },
    );
    expect(multiLine).toContain(
      '  error       SNOWFLAKE_QUERY_FAILED: SQL compilation error:\n              Database X does not exist',
    );
    const text = renderSyncSummary(failed, { now: T0 + 5_000 });
    expect(text.split('\n')[0]).toBe('Sync sync_01TEST failed in 5s');
    expect(text).toContain('\n  error       DATABRICKS_RUN_FAILED: The run failed: boom');
  });

  it('details a sync with a file table, and lists syncs as a table', () => {
    const detail = renderSyncDetail(
      {
        ...succeeded,
        outputUrl: 's3://b/exports/sync_01TEST/',
        load: {
          ...succeeded.load,
          files: (succeeded.load?.files ?? []).map((f) => ({ ...f, file: `s3://b/exports/sync_01TEST/${f.file}` })),
        },
      },
      { now: T0 },
    );
    expect(detail).toContain('  status       succeeded\n');
    expect(detail).toContain('  created      2026-11-23 10:00:00Z\n');
    expect(detail).toContain(
      [
        'FILE            STATUS             ROWS  ERRORS',
        'part-0.parquet  LOADED            6,000       0',
        'part-1.parquet  LOADED (earlier)  4,000       0',
      ].join('\n'),
    );
    const table = renderSyncTable([succeeded, sync({ id: 'sync_02', status: 'exporting' })], T0 + 90_000);
    expect(table).toBe(
      [
        'ID           DATASET           STATUS     CREATED (UTC)         DURATION    ROWS',
        'sync_01TEST  forecasts_append  succeeded  2026-11-23 10:00:00Z    1m 03s  10,000',
        'sync_02      forecasts_append  exporting  2026-11-23 10:00:00Z    1m 30s',
      ].join('\n'),
    );
  });
});
