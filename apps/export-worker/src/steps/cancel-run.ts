import { rescheduleIn, type StepResult, SYNC_CANCELED, SyncFailedError } from '@d2s/shared';
import { type ExportContext, type ExportStepName, MAX_IN_SLOT_WAIT_MS, runDetails } from '../export-context.js';
import { pollDelayMs } from '../poll-delay.js';
import { isReading, readRun } from './read-run.js';

/**
 * How long a canceled sync waits for its run to end before it reports the
 * last state it saw. Canceling a run that holds a cluster can take minutes.
 */
export const CANCEL_WAIT_MS = 10 * 60_000;

/**
 * A cancel was requested: cancel the Databricks run (once; the request is
 * saved first, so a crash does not lose it), then wait, from `delayed`, for
 * the run to end, and fail the sync as canceled with the run's final state
 * and link. A sync canceled before its run started ends at once.
 */
export async function cancelRun(ctx: ExportContext): Promise<StepResult<ExportStepName, never>> {
  let { progress } = ctx;
  const runId = progress.runId;
  if (runId === undefined) throw new SyncFailedError(SYNC_CANCELED, 'Canceled on request before the run started.');
  if (progress.step !== 'cancel') {
    progress = { ...progress, step: 'cancel', cancelRequestedAt: new Date(ctx.now()).toISOString(), polls: 0 };
    await ctx.save(progress);
    await ctx.jobs.cancelRun(runId, { maxRetryWaitMs: MAX_IN_SLOT_WAIT_MS });
    ctx.log.info('canceled the Databricks run; waiting for it to end');
  }

  const reading = await readRun(ctx, runId);
  if (!isReading(reading)) return reading;
  const { state, live } = reading;
  await ctx.report(live);
  const saved = reading.polled;

  const ended = state.phase === 'succeeded' || state.phase === 'failed' || state.phase === 'canceled';
  const waited = ctx.now() - Date.parse(progress.cancelRequestedAt ?? new Date(ctx.now()).toISOString());
  if (ended || waited > CANCEL_WAIT_MS) {
    const final = [state.lifeCycleState, state.resultState].filter(Boolean).join(' / ') || 'unknown';
    throw new SyncFailedError(
      SYNC_CANCELED,
      ended
        ? `Canceled on request; Databricks run ${runId} ended ${final}.`
        : `Canceled on request; Databricks run ${runId} was still ${final} after ${Math.round(waited / 1000)} s.`,
      {
        details: {
          ...runDetails(saved),
          ...(state.lifeCycleState ? { lifeCycleState: state.lifeCycleState } : {}),
          ...(state.resultState ? { resultState: state.resultState } : {}),
        },
      },
    );
  }
  await ctx.save(saved);
  return rescheduleIn(pollDelayMs(saved.polls, ctx.config.workers.export, ctx.random));
}
