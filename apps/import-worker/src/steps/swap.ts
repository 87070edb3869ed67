import { finished, type LoadReport, type StepResult } from '@d2s/shared';
import { countRows, dropTable, ROW_COUNT_COLUMN, swapTables } from '@d2s/shared/snowflake';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { requireRowCount } from '../verify-load.js';

/** Replace mode: the verified staging table becomes the target in one SWAP, and the old rows are dropped. */
export async function swap(ctx: ImportContext): Promise<StepResult<ImportStepName, LoadReport>> {
  const verified = ctx.state.verified;
  if (!verified) throw new Error('swap ran before verify');
  const target = ctx.dataset.snowflake.table;
  const staging = ctx.loadInto;
  const inStaging = Number((await ctx.run(countRows(staging))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
  requireRowCount('Staging table after COPY', inStaging, verified.rowsLoaded, { table: staging.name });
  await ctx.throwIfCanceled();
  // SWAP is the one statement not safe to repeat blindly: a lost answer must not swap the old data back.
  await ctx.run(swapTables(target, staging), { idempotent: false });
  await ctx.run(dropTable(staging));
  ctx.report.targetRowCount = Number((await ctx.run(countRows(target))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
  requireRowCount('Target table after SWAP', ctx.report.targetRowCount, verified.rowsLoaded, { table: target.name });
  return finished(ctx.report);
}
