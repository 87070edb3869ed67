import { finished, type LoadReport, type StepResult, SyncFailedError } from '@d2s/shared';
import { countRows, dropTable, ROW_COUNT_COLUMN, showTables, swapTables } from '@d2s/shared/snowflake';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { SwapNotAppliedError } from '../import-errors.js';
import { requireRowCount } from '../verify-load.js';

type TableName = ImportContext['staging'];

/**
 * Replace mode: the verified staging table becomes the target in one SWAP.
 * The previous rows (now in the staging table) are dropped only once the
 * target holds exactly the verified rows; otherwise the SWAP is undone, so a
 * failed sync leaves the target as it was.
 */
export async function swap(ctx: ImportContext): Promise<StepResult<ImportStepName, LoadReport>> {
  const verified = ctx.state.verified;
  if (!verified) throw new Error('swap ran before verify');
  const target = ctx.dataset.snowflake.table;
  const staging = ctx.loadInto;
  const inStaging = await rowCount(ctx, staging);
  requireRowCount('Staging table after COPY', inStaging, verified.rowsLoaded, { table: staging.name });
  await ctx.throwIfCanceled();

  const stagingCreatedOn = await createdOn(ctx, staging);
  // From here until proven otherwise the staging table may hold the target's previous rows: never drop it blindly.
  ctx.state.stagingMayHoldPreviousTarget = true;
  try {
    // SWAP is the one statement not safe to repeat blindly: a lost answer must not swap the old data back.
    await ctx.run(swapTables(target, staging), { idempotent: false });
  } catch (error) {
    // Whether a SWAP whose answer was lost ran: creation times follow tables through a SWAP, so the target now
    // has the staging table's. Unknown (Snowflake unreachable) counts as "may have run".
    const ran = await hasCreationTime(ctx, target, stagingCreatedOn);
    if (ran === undefined) ctx.log.error('could not tell whether the SWAP ran; keeping the staging table');
    if (ran === false) {
      ctx.state.stagingMayHoldPreviousTarget = false;
      // Retried only when the staging table is provably still where it was: then the SWAP surely did not run.
      if ((await hasCreationTime(ctx, staging, stagingCreatedOn)) !== true) throw error;
      throw new SwapNotAppliedError(
        `The SWAP of ${target.name} failed before it took effect (${error instanceof Error ? error.message : String(error)}); the load will be retried.`,
        { cause: error },
      );
    }
    if (ran) ctx.log.warn({ err: error }, 'the SWAP ran although its answer was lost');
  }

  ctx.report.targetRowCount = await rowCount(ctx, target);
  if (ctx.report.targetRowCount !== verified.rowsLoaded) {
    await ctx.run(swapTables(target, staging), { idempotent: false });
    ctx.state.stagingMayHoldPreviousTarget = false;
    throw new SyncFailedError(
      'ROW_COUNT_MISMATCH',
      `Target table after SWAP: expected ${verified.rowsLoaded} rows, found ${ctx.report.targetRowCount}; the SWAP was undone and the target holds its previous rows.`,
      { details: { table: target.name, expectedRows: verified.rowsLoaded, actualRows: ctx.report.targetRowCount } },
    );
  }
  await ctx.run(dropTable(staging));
  ctx.state.stagingMayHoldPreviousTarget = false;
  return finished(ctx.report);
}

/** Whether `table` now has this creation time; undefined when Snowflake cannot say. */
async function hasCreationTime(
  ctx: ImportContext,
  table: TableName,
  expected: string | undefined,
): Promise<boolean | undefined> {
  if (expected === undefined) return false;
  try {
    return (await createdOn(ctx, table)) === expected;
  } catch (checkError) {
    ctx.log.warn({ err: checkError, table: table.name }, 'could not read the table creation time');
    return undefined;
  }
}

async function rowCount(ctx: ImportContext, table: TableName): Promise<number> {
  return Number((await ctx.run(countRows(table))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
}

async function createdOn(ctx: ImportContext, table: TableName): Promise<string | undefined> {
  const shown = await ctx.run(showTables(table, { like: table.name }));
  const row = shown.rows.find((r) => (r.name ?? r.NAME) === table.name);
  const value = row?.created_on ?? row?.CREATED_ON;
  return value instanceof Date
    ? value.toISOString()
    : value === undefined || value === null
      ? undefined
      : String(value);
}
