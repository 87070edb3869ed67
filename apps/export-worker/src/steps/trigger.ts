import { type ExportProgress, idempotencyTokenFor, rescheduleIn, type StepResult } from '@d2s/shared';
import { DatabricksError } from '@d2s/shared/databricks';
import { type ExportContext, type ExportStepName, MAX_IN_SLOT_WAIT_MS } from '../export-context.js';
import { pollDelayMs } from '../poll-delay.js';
import { failForMissingPermission } from './permission-failure.js';

/**
 * Starts the dataset's Databricks job with the sync's parameters and output
 * path. run-now carries an idempotency token derived from the sync id, so a
 * crash between the call and saving the run id cannot start a second run:
 * the next attempt gets the same run back.
 */
export async function trigger(ctx: ExportContext): Promise<StepResult<ExportStepName, never>> {
  const { request, dataset } = ctx;
  // A single-active dataset runs one sync at a time: a sync queued behind another waits here, in
  // `delayed`, until it holds the dataset. The sync before it wakes it when it ends; the delay is the net.
  const turn = await ctx.takeTurn();
  if (!turn.turn) {
    await ctx.report({ status: 'queued', waitingFor: turn.blockedBy, polls: 0 });
    return rescheduleIn(ctx.config.workers.export.pollMaxMs);
  }
  // Saved once: Databricks' retryable refusals get their full window from when the sync got its turn, not
  // from when it was requested (a sync that waited in line may have waited longer than the window itself).
  if (ctx.progress.turnTakenAt === undefined) {
    await ctx.save({ ...ctx.progress, turnTakenAt: new Date(ctx.now()).toISOString() });
  }
  const parameters: Record<string, string> = Object.fromEntries(
    Object.entries(request.parameters).map(([name, value]) => [name, String(value)]),
  );
  parameters[dataset.databricks.outputParameter] = request.outputUrl;
  let started: { run_id: number };
  try {
    started = await ctx.jobs.runNow(
      {
        job_id: dataset.databricks.jobId,
        job_parameters: parameters,
        idempotency_token: idempotencyTokenFor(request.syncId),
      },
      { maxRetryWaitMs: MAX_IN_SLOT_WAIT_MS },
    );
  } catch (error) {
    // A missing job permission: no retry can fix it, so the sync fails now and says what to grant.
    const denied = await failForMissingPermission(error, dataset.databricks.jobId, ctx);
    if (denied) throw denied;
    // Rate limited or unavailable: try again from `delayed` (the token makes a repeat safe), within the
    // dataset's time limit, instead of holding a slot or burning attempts.
    const waited = ctx.now() - Date.parse(ctx.progress.turnTakenAt ?? request.requestedAt);
    if (!(error instanceof DatabricksError && error.retryable) || waited > dataset.export.maxRunDurationSeconds * 1000)
      throw error;
    ctx.log.warn({ err: error }, 'Databricks could not start the run yet; will try again');
    return rescheduleIn(error.retryAfterMs ?? pollDelayMs(0, ctx.config.workers.export, ctx.random));
  }
  const progress: ExportProgress = {
    step: 'poll',
    runId: started.run_id,
    triggeredAt: new Date(ctx.now()).toISOString(),
    polls: 0,
  };
  // Saved before anything else: from here on, every attempt resumes this run.
  await ctx.save(progress);
  await ctx.indexRun(started.run_id);
  ctx.logWith({ runId: started.run_id });
  ctx.log.info('Databricks run started');
  await ctx.report({ status: 'exporting', runId: started.run_id, polls: 0 });
  return rescheduleIn(pollDelayMs(0, ctx.pollSchedule, ctx.random));
}
