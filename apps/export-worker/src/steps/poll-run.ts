import { type ExportProgress, nextStep, rescheduleIn, type StepResult, SyncFailedError } from '@d2s/shared';
import { classifyRunState, DatabricksError, type Run, type RunStateSummary } from '@d2s/shared/databricks';
import {
  type ExportContext,
  type ExportLiveProgress,
  type ExportStepName,
  MAX_IN_SLOT_WAIT_MS,
  runDetails,
} from '../export-context.js';
import { pollDelayMs } from '../poll-delay.js';
import { failedTaskReport } from './failed-task-report.js';
import { failForMissingPermission } from './permission-failure.js';

/**
 * Looks at the run once. Still running: save the poll count and come back
 * later (the job waits in `delayed`, holding no slot). Succeeded: go on to the
 * hand-off. Failed or canceled: fail the sync with the run's own words. Past
 * the dataset's maximum run time: cancel the run and fail.
 */
export async function pollRun(ctx: ExportContext): Promise<StepResult<ExportStepName, never>> {
  const { progress } = ctx;
  const runId = progress.runId as number;
  const settings = ctx.config.workers.export;
  let state: RunStateSummary;
  let run: Run;
  try {
    run = await ctx.jobs.getRun(runId, { maxRetryWaitMs: MAX_IN_SLOT_WAIT_MS });
    state = classifyRunState(run);
  } catch (error) {
    const denied = await failForMissingPermission(error, ctx.dataset.databricks.jobId, ctx);
    if (denied) throw denied;
    if (!(error instanceof DatabricksError && error.retryable)) throw error;
    // Databricks is busy or down (or asked for a long wait): keep the run and look again later, from `delayed`,
    // without burning an attempt.
    ctx.log.warn({ err: error }, 'Databricks unavailable while polling; will poll again');
    await ctx.save({ ...progress, polls: progress.polls + 1 });
    return rescheduleIn(pollDelayMs(progress.polls, settings, ctx.random, error.retryAfterMs ?? 0));
  }

  const live: ExportLiveProgress = {
    status: 'exporting',
    runId,
    polls: progress.polls + 1,
    ...(state.runPageUrl ? { runPageUrl: state.runPageUrl } : {}),
    ...(state.lifeCycleState ? { lifeCycleState: state.lifeCycleState } : {}),
  };
  const polled: ExportProgress = {
    ...progress,
    polls: progress.polls + 1,
    ...(state.runPageUrl ? { runPageUrl: state.runPageUrl } : {}),
    ...(state.lifeCycleState ? { lastLifeCycleState: state.lifeCycleState } : {}),
  };

  if (state.phase === 'failed' || state.phase === 'canceled') {
    const failure = state.failure;
    // Which tasks failed and why: each failed task's own error and the head of its trace (get-output).
    const report = await failedTaskReport(run, { jobs: ctx.jobs, log: ctx.log, maxRetryWaitMs: MAX_IN_SLOT_WAIT_MS });
    const details = {
      runId,
      ...failure,
      ...(report.tasks.length > 0 ? { failedTasks: report.tasks } : {}),
      ...(report.omitted > 0 ? { failedTasksOmitted: report.omitted } : {}),
    };
    await ctx.report({ ...live, failure: details });
    const failedKeys = report.tasks.filter((t) => t.resultState === 'FAILED' || t.error).map((t) => t.taskKey);
    throw new SyncFailedError(
      state.phase === 'canceled' ? 'DATABRICKS_RUN_CANCELED' : 'DATABRICKS_RUN_FAILED',
      `Databricks run ${runId} ended ${failure?.code ?? state.resultState ?? 'unsuccessfully'}: ${failure?.message ?? 'no message'}${failedKeys.length > 0 ? ` (failed task${failedKeys.length > 1 ? 's' : ''}: ${failedKeys.join(', ')})` : ''}${state.runPageUrl ? ` (${state.runPageUrl})` : ''}`,
      { details },
    );
  }

  if (state.phase === 'succeeded') {
    await ctx.save({ ...polled, step: 'handoff' });
    ctx.log.info({ polls: polled.polls }, 'Databricks run succeeded');
    return nextStep('handoff');
  }

  const triggeredAt = Date.parse(progress.triggeredAt ?? new Date(ctx.now()).toISOString());
  const maxSeconds = ctx.dataset.export.maxRunDurationSeconds;
  if (ctx.now() - triggeredAt > maxSeconds * 1000) {
    await ctx.jobs.cancelRun(runId, { maxRetryWaitMs: MAX_IN_SLOT_WAIT_MS });
    throw new SyncFailedError(
      'EXPORT_TIMED_OUT',
      `Databricks run ${runId} ran longer than ${maxSeconds} s; d2s canceled it.`,
      { details: runDetails(polled) },
    );
  }
  await ctx.report(live);
  await ctx.save(polled);
  return rescheduleIn(pollDelayMs(polled.polls, settings, ctx.random));
}
