import { type ExportProgress, idempotencyTokenFor, rescheduleIn, type StepResult } from '@d2s/shared';
import type { ExportContext, ExportStepName } from '../export-context.js';
import { pollDelayMs } from '../poll-delay.js';

/**
 * Starts the dataset's Databricks job with the sync's parameters and output
 * path. run-now carries an idempotency token derived from the sync id, so a
 * crash between the call and saving the run id cannot start a second run:
 * the next attempt gets the same run back.
 */
export async function trigger(ctx: ExportContext): Promise<StepResult<ExportStepName, never>> {
  const { request, dataset } = ctx;
  const parameters: Record<string, string> = Object.fromEntries(
    Object.entries(request.parameters).map(([name, value]) => [name, String(value)]),
  );
  parameters[dataset.databricks.outputParameter] = request.outputUrl;
  const started = await ctx.jobs.runNow({
    job_id: dataset.databricks.jobId,
    job_parameters: parameters,
    idempotency_token: idempotencyTokenFor(request.syncId),
  });
  const progress: ExportProgress = {
    step: 'poll',
    runId: started.run_id,
    triggeredAt: new Date(ctx.now()).toISOString(),
    polls: 0,
  };
  // Saved before anything else: from here on, every attempt resumes this run.
  await ctx.save(progress);
  ctx.logWith({ runId: started.run_id });
  ctx.log.info('Databricks run started');
  await ctx.report({ status: 'exporting', runId: started.run_id, polls: 0 });
  return rescheduleIn(pollDelayMs(0, ctx.config.workers.export, ctx.random));
}
