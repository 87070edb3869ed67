import { describe, expect, it } from 'vitest';
import { deriveSyncView, type JobSnapshot } from './sync-view.js';

const request = {
  syncId: 'sync_1234567890',
  dataset: 'ds',
  parameters: { a: 1 },
  outputUrl: 's3://b/p/sync_1234567890/',
};

function job(partial: Partial<JobSnapshot>): JobSnapshot {
  return {
    state: 'waiting',
    data: { request },
    progress: 0,
    returnvalue: null,
    timestamp: 1_000,
    attemptsMade: 0,
    ...partial,
  };
}

describe('deriveSyncView', () => {
  it('is queued before the run is triggered', () => {
    expect(deriveSyncView(job({}), undefined, false).status).toBe('queued');
  });

  it('is exporting once a run id is saved, with the run link', () => {
    const view = deriveSyncView(
      job({
        state: 'delayed',
        processedOn: 1_500,
        data: { request, progress: { step: 'poll', runId: 7, runPageUrl: 'http://x/7' } },
      }),
      undefined,
      false,
    );
    expect(view.status).toBe('exporting');
    expect(view.databricks).toEqual({ runId: 7, runPageUrl: 'http://x/7' });
    expect(view.timings.durationsMs.queued).toBe(500);
  });

  it('times the export from the trigger, not from the latest poll', () => {
    const view = deriveSyncView(
      job({
        state: 'completed',
        processedOn: 9_000,
        finishedOn: 9_500,
        data: { request, progress: { step: 'handoff', runId: 7, triggeredAt: new Date(1_200).toISOString() } },
      }),
      undefined,
      false,
    );
    expect(view.timings.durationsMs).toMatchObject({ queued: 200, export: 8_300 });
  });

  it('shows the live life-cycle state from progress', () => {
    const view = deriveSyncView(
      job({ state: 'active', progress: { runId: 7, lifeCycleState: 'RUNNING' } }),
      undefined,
      false,
    );
    expect(view.databricks.lifeCycleState).toBe('RUNNING');
  });

  it('fails with the coded reason and details', () => {
    const view = deriveSyncView(
      job({
        state: 'failed',
        finishedOn: 9_000,
        failedReason: 'DATABRICKS_RUN_FAILED: Run 7 ended FAILED: boom',
        progress: { failure: { runPageUrl: 'http://x/7', terminationCode: 'RUN_EXECUTION_ERROR' } },
      }),
      undefined,
      false,
    );
    expect(view.status).toBe('failed');
    expect(view.error).toEqual({
      code: 'DATABRICKS_RUN_FAILED',
      message: 'Run 7 ended FAILED: boom',
      stage: 'export',
      details: { runPageUrl: 'http://x/7', terminationCode: 'RUN_EXECUTION_ERROR' },
    });
    expect(view.timings.durationsMs.total).toBe(8_000);
  });

  it('lifts the failed tasks (bounded) and a permission hint out of the failure details', () => {
    const longLine = 'x'.repeat(1_000);
    const failedTasks = [
      {
        taskKey: 'extract',
        taskRunId: 71,
        resultState: 'FAILED',
        error: 'boom',
        errorTraceHead: ['Traceback', ...Array.from({ length: 20 }, () => longLine)],
      },
      { taskKey: 'publish', taskRunId: 72, resultState: 'UPSTREAM_FAILED', terminationCode: 'SKIPPED' },
      { taskKey: 42, resultState: 'FAILED' },
    ];
    const view = deriveSyncView(
      job({
        state: 'failed',
        failedReason: 'DATABRICKS_RUN_FAILED: Run 7 ended RUN_EXECUTION_ERROR',
        progress: { failure: { runId: 7, failedTasks, hint: 'Grant CAN_MANAGE_RUN on job 1 to a@example.com' } },
      }),
      undefined,
      false,
    );
    expect(view.error?.failedTasks?.map((t) => [t.taskKey, t.resultState])).toEqual([
      ['extract', 'FAILED'],
      ['publish', 'UPSTREAM_FAILED'],
    ]);
    const head = view.error?.failedTasks?.[0]?.errorTraceHead ?? [];
    expect(head).toHaveLength(8);
    expect(head.every((line) => line.length <= 300)).toBe(true);
    expect(view.error?.hint).toBe('Grant CAN_MANAGE_RUN on job 1 to a@example.com');
  });

  it('is canceled when the failure is a cancel', () => {
    const view = deriveSyncView(
      job({ state: 'failed', failedReason: 'SYNC_CANCELED: canceled by request' }),
      undefined,
      true,
    );
    expect(view.status).toBe('canceled');
    expect(view.cancelRequested).toBe(false);
  });

  it('follows the import job: importing, verifying, succeeded with the load report', () => {
    const exported = job({
      state: 'completed',
      processedOn: 1_100,
      finishedOn: 2_000,
      returnvalue: { runId: 7, resultState: 'SUCCESS' },
    });
    expect(deriveSyncView(exported, job({ state: 'waiting' }), false).status).toBe('importing');
    expect(deriveSyncView(exported, job({ state: 'active', progress: { stage: 'verifying' } }), false).status).toBe(
      'verifying',
    );
    const report = { mode: 'append', stagePath: 'p/', files: [], rowsLoaded: 42, queryIds: ['q1'] };
    const done = deriveSyncView(
      exported,
      job({ state: 'completed', processedOn: 2_100, finishedOn: 3_000, returnvalue: report }),
      false,
    );
    expect(done.status).toBe('succeeded');
    expect(done.load).toEqual(report);
    expect(done.databricks.resultState).toBe('SUCCESS');
    expect(done.timings.durationsMs).toEqual({ queued: 100, export: 900, import: 900, total: 2_000 });
  });

  it('carries a merge load’s mode and counts', () => {
    const exported = job({ state: 'completed', processedOn: 1_100, finishedOn: 2_000, returnvalue: { runId: 7 } });
    const merge = {
      rowsStaged: 60,
      distinctKeys: 31,
      inserted: 4,
      updated: 9,
      deleted: 3,
      unchanged: 15,
      appliedNow: true,
    };
    const report = {
      mode: 'merge',
      stagePath: 'p/',
      files: [],
      rowsLoaded: 60,
      targetRowCount: 25,
      merge,
      queryIds: [],
    };
    const done = deriveSyncView(exported, job({ state: 'completed', returnvalue: report }), false);
    expect(done.load).toEqual(report);
  });

  it('reports an import failure with the per-file results kept in progress', () => {
    const exported = job({ state: 'completed', finishedOn: 2_000 });
    const files = [
      { file: 'a.parquet', status: 'LOAD_FAILED', rowsParsed: 1, rowsLoaded: 0, errorsSeen: 1, firstError: 'bad' },
    ];
    const view = deriveSyncView(
      exported,
      job({
        state: 'failed',
        failedReason: 'LOAD_FAILED: 1 file failed',
        progress: { stage: 'importing', files, failure: { file: 'a.parquet' } },
      }),
      false,
    );
    expect(view.status).toBe('failed');
    expect(view.error?.stage).toBe('import');
    expect(view.load?.files).toEqual(files);
  });

  it('marks a pending cancel', () => {
    expect(deriveSyncView(job({}), undefined, true).cancelRequested).toBe(true);
  });

  it('gives BullMQ-internal failures a code too', () => {
    const view = deriveSyncView(
      job({ state: 'failed', failedReason: 'job stalled more than allowable limit' }),
      undefined,
      false,
    );
    expect(view.error?.code).toBe('JOB_FAILED');
  });
});
