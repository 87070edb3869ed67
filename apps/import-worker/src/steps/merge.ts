import { finished, type LoadReport, type MergeReport, type StepResult } from '@d2s/shared';
import {
  abortTransaction,
  countRows,
  describeTable,
  dropTable,
  type MergeSpec,
  mergeFromStaging,
  mergeLogTable,
  mergePreview,
  parseMergeCounts,
  readMergeMarker,
  ROW_COUNT_COLUMN,
  SnowflakeError,
  showTransactions,
  stagedKeyStats,
  writeMergeMarker,
} from '@d2s/shared/snowflake';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { requireRowCount } from '../verify-load.js';
import { requireMergeableKeys, requireMergeColumns, requireMergeCounts, type StagedKeys } from '../verify-merge.js';

/**
 * Merge mode: the verified staging table is de-duplicated by key and MERGEd
 * into the target, exactly once per sync.
 *
 * Why exactly once holds. The MERGE and a marker row (sync id + target, in
 * D2S_MERGE_LOG beside the target) are written in ONE transaction, and the
 * transaction first looks for that marker: the marker exists if and only if
 * the MERGE was committed. So whatever an earlier attempt reached —
 * killed before COMMIT (nothing visible), COMMIT's answer lost (marker
 * visible), a re-delivered hand-off or retried job long after (marker
 * visible) — the next attempt either applies the whole run or sees that it
 * was applied and only reports it. Checking the marker inside the
 * transaction rather than before it matters when two attempts overlap (a
 * stalled job handed to a second worker): the second MERGE blocks on the
 * first's lock until it commits, then reads its marker.
 *
 * A killed worker's transaction does not end with the worker: Snowflake
 * keeps it open ("detached") with its locks until it is aborted or idles
 * out after hours, and the retry's MERGE would wait on those locks. The
 * transaction is named after the sync, so the retry finds it in SHOW
 * TRANSACTIONS and aborts it first (SYSTEM$ABORT_TRANSACTION); its
 * uncommitted MERGE is rolled back, never half-applied.
 */
export async function merge(ctx: ImportContext): Promise<StepResult<ImportStepName, LoadReport>> {
  const verified = ctx.state.verified;
  if (!verified) throw new Error('merge ran before verify');
  const load = ctx.dataset.load;
  const target = ctx.dataset.snowflake.table;
  const staging = ctx.loadInto;
  const keySpec = { keys: load.keys ?? [], orderBy: load.orderBy, deleteWhen: load.deleteWhen };

  const columns = await columnsOf(ctx, target);
  requireMergeColumns(keySpec, columns, target.name);
  const staged = await stagedKeys(ctx, keySpec);
  // Staged rows = rows parsed: verify already refused a file with errors, so every parsed row was loaded here.
  const rowsParsed = verified.files.reduce((sum, file) => sum + file.rowsParsed, 0);
  requireRowCount('Staging table vs rows parsed', staged.rowsStaged, rowsParsed, { table: staging.name });
  requireMergeableKeys(staged, keySpec);
  await ctx.throwIfCanceled();

  const transactionName = mergeTransactionName(ctx.request.syncId);
  await abortDetachedAttempts(ctx, transactionName);
  const spec: MergeSpec = { ...keySpec, target, staging, columns };
  const log = mergeLogTable(target);
  const syncId = ctx.request.syncId;
  const outcome = await ctx.inTransaction(transactionName, async (run) => {
    const marker = (await run(readMergeMarker(log, syncId, target))).rows[0];
    if (marker) {
      return {
        inserted: Number(marker.ROWS_INSERTED),
        updated: Number(marker.ROWS_UPDATED),
        deleted: Number(marker.ROWS_DELETED),
        unchanged: Number(marker.ROWS_UNCHANGED),
        appliedNow: false,
      };
    }
    const plan = (await run(mergePreview(spec))).rows[0] ?? {};
    const planned = {
      toInsert: Number(plan.TO_INSERT),
      toUpdate: Number(plan.TO_UPDATE),
      toDelete: Number(plan.TO_DELETE),
      unchanged: Number(plan.UNCHANGED),
    };
    const done = parseMergeCounts((await run(mergeFromStaging(spec))).rows);
    requireMergeCounts(planned, done, staged.distinctKeys);
    await run(writeMergeMarker(log, syncId, target, { ...done, unchanged: planned.unchanged }));
    return { ...done, unchanged: planned.unchanged, appliedNow: true };
  });
  if (!outcome.appliedNow) ctx.log.info('the MERGE of this sync was applied by an earlier attempt; reporting it');

  const report: MergeReport = { rowsStaged: staged.rowsStaged, distinctKeys: staged.distinctKeys, ...outcome };
  ctx.report.merge = report;
  ctx.report.targetRowCount = Number((await ctx.run(countRows(target))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
  await ctx.run(dropTable(staging));
  return finished(ctx.report);
}

/** The transaction's name: one per sync, so a retry can find the one a dead attempt left open. */
export function mergeTransactionName(syncId: string): string {
  return `d2s_merge_${syncId}`;
}

async function columnsOf(ctx: ImportContext, table: ImportContext['staging']): Promise<string[]> {
  const described = await ctx.run(describeTable(table));
  return described.rows.map((row) => String(row.name ?? row.NAME ?? ''));
}

async function stagedKeys(ctx: ImportContext, spec: Parameters<typeof stagedKeyStats>[1]): Promise<StagedKeys> {
  const row = (await ctx.run(stagedKeyStats(ctx.loadInto, spec))).rows[0] ?? {};
  return {
    rowsStaged: Number(row.ROWS_STAGED),
    nullKeys: Number(row.NULL_KEYS),
    distinctKeys: Number(row.DISTINCT_KEYS),
    latestRows: Number(row.LATEST_ROWS),
  };
}

/** Aborts this sync's merge transactions that earlier attempts left open; one already ended is fine. */
async function abortDetachedAttempts(ctx: ImportContext, name: string): Promise<void> {
  // Transaction ids are 64-bit: as JS numbers they would lose digits and name another transaction.
  const shown = await ctx.run(showTransactions(), { numbersAsText: true });
  for (const transaction of shown.rows.filter((row) => row.name === name)) {
    const id = String(transaction.id);
    try {
      await ctx.run(abortTransaction(id));
      ctx.log.warn({ transactionId: id }, 'aborted the merge transaction an earlier attempt left open');
    } catch (error) {
      if (!(error instanceof SnowflakeError && error.snowflakeCode === '000605')) throw error;
    }
  }
}
