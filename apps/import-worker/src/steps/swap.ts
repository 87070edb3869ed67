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
    if (!(await swapRan(ctx, stagingCreatedOn))) {
      ctx.state.stagingMayHoldPreviousTarget = false;
      if (!(await outcomeKnown(ctx, stagingCreatedOn))) throw error;
      throw new SwapNotAppliedError(
        `The SWAP of ${target.name} failed before it took effect (${error instanceof Error ? error.message : String(error)}); the load will be retried.`,
        { cause: error },
      );
    }
    ctx.log.warn({ err: error }, 'the SWAP ran although its answer was lost');
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

  /**
   * Whether a SWAP whose answer was lost ran: creation times follow tables
   * through a SWAP, so the target now has the staging table's. Unknown
   * (Snowflake unreachable) counts as "may have run".
   */
  async function swapRan(context: ImportContext, createdOnBefore: string | undefined): Promise<boolean> {
    try {
      return createdOnBefore !== undefined && (await createdOn(context, target)) === createdOnBefore;
    } catch (checkError) {
      context.log.error({ err: checkError }, 'could not tell whether the SWAP ran; keeping the staging table');
      return true;
    }
  }
}

/** Whether the staging table is still where it was: then the SWAP surely did not run. */
async function outcomeKnown(ctx: ImportContext, stagingCreatedOn: string | undefined): Promise<boolean> {
  try {
    return stagingCreatedOn !== undefined && (await createdOn(ctx, ctx.loadInto)) === stagingCreatedOn;
  } catch {
    return false;
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
