import { addJob, finished, type StepResult } from '@d2s/shared';
import type { ExportContext, ExportResult, ExportStepName } from '../export-context.js';

/** Enqueues the import. Its job id is the sync id, so a repeated hand-off (a retried or resumed job) adds nothing. */
export async function handOff(ctx: ExportContext): Promise<StepResult<ExportStepName, ExportResult>> {
  const { request, progress } = ctx;
  const exportedAt = new Date(ctx.now()).toISOString();
  await addJob(
    ctx.importQueue,
    'import',
    'sync-import',
    {
      request,
      runId: progress.runId as number,
      ...(progress.runPageUrl ? { runPageUrl: progress.runPageUrl } : {}),
      exportedAt,
    },
    { jobId: request.syncId, retentionSeconds: ctx.config.api.retentionSeconds },
  );
  ctx.log.info('handed off to import');
  return finished({
    runId: progress.runId as number,
    runPageUrl: progress.runPageUrl,
    lifeCycleState: progress.lastLifeCycleState ?? 'TERMINATED',
    resultState: 'SUCCESS',
    exportedAt,
  });
}
