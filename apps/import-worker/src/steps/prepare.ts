import { nextStep, type StepResult } from '@d2s/shared';
import { createFileFormat, createStage, createTableFromFiles, createTableLike, listStage } from '@d2s/shared/snowflake';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { fileKey, requireDataFiles } from '../verify-load.js';

/**
 * Gets Snowflake ready for the COPY: the stage and target table where the
 * dataset lets d2s create them, the list of the run's data files, and in replace
 * mode a fresh staging table (fresh every attempt: its load metadata starts
 * empty, so every file loads again).
 */
export async function prepare(ctx: ImportContext): Promise<StepResult<ImportStepName, never>> {
  await ctx.throwIfCanceled();
  await ctx.progress('importing');
  const sf = ctx.dataset.snowflake;
  const path = ctx.request.stagePath;

  if (sf.createStage) {
    await ctx.run(createStage({ stage: sf.stage, url: sf.stageUrl, storageIntegration: sf.storageIntegration }));
  }
  const listed = await ctx.run(listStage(sf.stage, path, { pattern: ctx.dataFiles }));
  ctx.state.listedFiles = fileNames(listed.rows);
  if (ctx.state.listedFiles.length === 0) {
    // Only to say in the error what the run did leave there; fails before anything is created or loaded.
    ctx.state.otherFiles = fileNames((await ctx.run(listStage(sf.stage, path))).rows);
    requireDataFiles({ ...ctx.state, location: ctx.request.outputUrl, requireFiles: ctx.dataset.verify.requireFiles });
  }

  if (sf.createTable && ctx.state.listedFiles.length > 0) {
    const fileFormat = { database: sf.table.database, schema: sf.table.schema, name: 'D2S_PARQUET' };
    await ctx.run(createFileFormat({ fileFormat }));
    // INFER_SCHEMA takes no PATTERN: name the data files, or it reads the commit files as Parquet too.
    const files = ctx.state.listedFiles.slice(0, 1000).map((name) => relativeTo(ctx.request.outputUrl, name));
    await ctx.run(createTableFromFiles({ table: sf.table, stage: sf.stage, path, fileFormat, files }));
  }
  if (ctx.dataset.load.mode === 'replace') {
    await ctx.run(createTableLike({ table: ctx.loadInto, like: sf.table, orReplace: true }));
  }
  return nextStep('load');
}

function fileNames(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((row) => String(row.name ?? row.NAME ?? ''));
}

/** A LIST name (the file's full URL for an external stage) relative to the run's prefix. */
function relativeTo(prefixUrl: string, name: string): string {
  return name.startsWith(prefixUrl) ? name.slice(prefixUrl.length) : fileKey(name);
}
