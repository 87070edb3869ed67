import { type ExportProgress, rescheduleIn, type StepResult } from '@d2s/shared';
import { classifyRunState, DatabricksError, type Run, type RunStateSummary } from '@d2s/shared/databricks';
import {
  type ExportContext,
  type ExportLiveProgress,
  type ExportStepName,
  MAX_IN_SLOT_WAIT_MS,
} from '../export-context.js';
import { pollDelayMs } from '../poll-delay.js';
import { failForMissingPermission } from './permission-failure.js';

/** One look at the run: its state, the live view to publish, and the progress to save with this poll counted. */
export interface RunReading {
  run: Run;
  state: RunStateSummary;
  live: ExportLiveProgress;
  polled: ExportProgress;
}

/**
 * Reads the run once, for the poll and cancel steps alike. A missing
 * permission fails the sync with its hint; Databricks busy or down (or asking
 * for a long wait) keeps the run and comes back later from `delayed`, without
 * burning an attempt: the step returns that reschedule as is.
 */
export async function readRun(
  ctx: ExportContext,
  runId: number,
): Promise<RunReading | StepResult<ExportStepName, never>> {
  const { progress } = ctx;
  let run: Run;
  try {
    run = await ctx.jobs.getRun(runId, { maxRetryWaitMs: MAX_IN_SLOT_WAIT_MS });
  } catch (error) {
    const denied = await failForMissingPermission(error, ctx.dataset.databricks.jobId, ctx);
    if (denied) throw denied;
    if (!(error instanceof DatabricksError && error.retryable)) throw error;
    ctx.log.warn({ err: error }, 'Databricks unavailable while polling; will poll again');
    await ctx.save({ ...progress, polls: progress.polls + 1 });
    return rescheduleIn(pollDelayMs(progress.polls, ctx.config.workers.export, ctx.random, error.retryAfterMs ?? 0));
  }
  const state = classifyRunState(run);
  const live: ExportLiveProgress = {
    status: 'exporting',
    runId,
    polls: progress.polls + 1,
    ...(state.runPageUrl ? { runPageUrl: state.runPageUrl } : {}),
    ...(state.lifeCycleState ? { lifeCycleState: state.lifeCycleState } : {}),
    ...(state.resultState ? { resultState: state.resultState } : {}),
  };
  const polled: ExportProgress = {
    ...progress,
    polls: progress.polls + 1,
    ...(state.runPageUrl ? { runPageUrl: state.runPageUrl } : {}),
    ...(state.lifeCycleState ? { lastLifeCycleState: state.lifeCycleState } : {}),
  };
  return { run, state, live, polled };
}

/** Whether readRun gave a reading or a reschedule to return. */
export function isReading(result: RunReading | StepResult<ExportStepName, never>): result is RunReading {
  return 'state' in result;
}
