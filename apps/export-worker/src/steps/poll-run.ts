import { nextStep, rescheduleIn, type StepResult, SyncFailedError } from '@d2s/shared';
import { type ExportContext, type ExportStepName, MAX_IN_SLOT_WAIT_MS, runDetails } from '../export-context.js';
import { pollDelayMs } from '../poll-delay.js';
import { failedTaskReport } from './failed-task-report.js';
import { isReading, readRun } from './read-run.js';

/**
 * Looks at the run once. Still running: save the poll count and come back
 * later (the job waits in `delayed`, holding no slot). Succeeded: go on to the
 * hand-off. Failed or canceled: fail the sync with the run's own words. Past
 * the dataset's maximum run time: cancel the run and fail.
 */
export async function pollRun(ctx: ExportContext): Promise<StepResult<ExportStepName, never>> {
  const { progress } = ctx;
  const runId = progress.runId as number;
  // Taken before the read: a notification that arrives after it leaves a new mark, which the park sees.
  const woken = await ctx.takeWakeMark();
  const reading = await readRun(ctx, runId);
  if (!isReading(reading)) return reading;
  const { run, state, live, polled } = reading;

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
  // Told the run ended but runs/get does not show it yet: look again soon rather than after the long push
  // schedule (the notification is a hint; runs/get is the truth).
  if (woken !== null) return rescheduleIn(pollDelayMs(0, ctx.config.workers.export, ctx.random));
  return rescheduleIn(pollDelayMs(polled.polls, ctx.pollSchedule, ctx.random));
}
