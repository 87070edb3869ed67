import { nextStep, type StepResult } from '@d2s/shared';
import { copyIntoTable, parseCopyIntoResult } from '@d2s/shared/snowflake';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { loadedFiles } from '../verify-load.js';

/** COPY INTO from the run's data files, aborted if the sync is canceled meanwhile. */
export async function load(ctx: ImportContext): Promise<StepResult<ImportStepName, never>> {
  const sf = ctx.dataset.snowflake;
  const copied = await ctx.withCancelWatch((signal) =>
    ctx.runCopy(
      copyIntoTable({
        table: ctx.loadInto,
        stage: sf.stage,
        path: ctx.request.stagePath,
        matchByColumnName: sf.copyOptions.matchByColumnName,
        onError: sf.copyOptions.onError,
        pattern: ctx.dataFiles,
      }),
      { signal },
    ),
  );
  const copy = parseCopyIntoResult(copied.rows);
  ctx.state.copy = copy;
  ctx.report.files = loadedFiles(copy);
  ctx.report.rowsLoaded = copy.rowsLoaded;
  await ctx.progress('verifying');
  return nextStep('verify');
}
