import { finished, type LoadReport, nextStep, type StepResult } from '@d2s/shared';
import { copyHistory, countRows, ROW_COUNT_COLUMN } from '@d2s/shared/snowflake';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { fileKey, requireRowCount, verifyCopy } from '../verify-load.js';

/**
 * Checks every file the COPY reported (and, on a retry, the files an earlier
 * attempt loaded) against the listed files and the dataset's expectations.
 * Append mode ends here with the target's row count; replace mode goes on to
 * the swap, merge mode to the merge.
 */
export async function verify(ctx: ImportContext): Promise<StepResult<ImportStepName, LoadReport>> {
  const copy = ctx.state.copy;
  if (!copy) throw new Error('verify ran before load');
  const isRetry = (ctx.job.attemptsStarted ?? 1) > 1;
  const previouslyLoaded =
    ctx.dataset.load.mode === 'append' && isRetry
      ? await earlierLoads(ctx, new Set(copy.files.map((file) => fileKey(file.file))))
      : new Map<string, number | undefined>();
  const verified = verifyCopy(copy, {
    listedFiles: ctx.state.listedFiles,
    otherFiles: ctx.state.otherFiles ?? [],
    location: ctx.request.outputUrl,
    requireFiles: ctx.dataset.verify.requireFiles,
    previouslyLoaded,
  });
  ctx.state.verified = verified;
  ctx.report.files = verified.files;
  ctx.report.rowsLoaded = verified.rowsLoaded;
  const expectedRows = ctx.dataset.verify.expectedRows;
  if (expectedRows !== undefined && verified.rowsExact) {
    requireRowCount('Rows loaded vs the dataset’s expected count', verified.rowsLoaded, expectedRows, {});
  }
  if (ctx.dataset.load.mode === 'replace') return nextStep('swap');
  if (ctx.dataset.load.mode === 'merge') return nextStep('merge');

  const target = ctx.dataset.snowflake.table;
  ctx.report.targetRowCount = Number((await ctx.run(countRows(target))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
  return finished(ctx.report);
}

/** Files an earlier attempt loaded: named in the load history, or (history unreadable) absent from this COPY. */
async function earlierLoads(ctx: ImportContext, loadedNow: Set<string>): Promise<Map<string, number | undefined>> {
  const missing = ctx.state.listedFiles.map(fileKey).filter((key) => !loadedNow.has(key));
  const found = new Map<string, number | undefined>();
  if (missing.length === 0) return found;
  try {
    const history = await ctx.run(copyHistory(ctx.loadInto, 14 * 24));
    for (const row of history.rows) {
      const key = fileKey(String(row.FILE_NAME ?? ''));
      if (missing.includes(key) && /^loaded$/i.test(String(row.STATUS ?? '')))
        found.set(key, Number(row.ROW_COUNT ?? 0));
    }
  } catch (historyError) {
    // Each sync writes to its own prefix, so a file Snowflake skipped can only have been loaded by this sync.
    ctx.log.warn(
      { err: historyError },
      'load history unreadable; counting skipped files as loaded by the earlier attempt',
    );
    for (const key of missing) found.set(key, undefined);
  }
  return found;
}
