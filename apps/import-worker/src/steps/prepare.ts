import { nextStep, type StepResult, SyncFailedError } from '@d2s/shared';
import {
  createFileFormat,
  createMergeLog,
  createStage,
  createTableFromFiles,
  createTableLike,
  dropTable,
  grantNotExecuted,
  grantSelectOnTable,
  listStage,
  mergeLogTable,
} from '@d2s/shared/snowflake';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { fileKey, requireDataFiles } from '../verify-load.js';
import { buildStagingFromFiles, evolveSchema, parquetFormatOf } from './evolve-schema.js';

/**
 * Gets Snowflake ready for the COPY: the stage and target table where the
 * dataset lets d2s create them (with SELECT for the dataset's `grants` roles),
 * the list of the run's data files, and in replace mode a fresh staging table
 * (fresh every attempt: its load metadata starts empty, so every file loads
 * again) that carries the target's grants. With `schema.evolution`, the run's
 * columns are checked against the target's first (./evolve-schema.ts).
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

  // INFER_SCHEMA takes no PATTERN: name the data files, or it reads the commit files as Parquet too.
  const files = ctx.state.listedFiles.slice(0, 1000).map((name) => relativeTo(ctx.request.outputUrl, name));
  if (sf.createTable && files.length > 0) {
    const fileFormat = parquetFormatOf(sf.table);
    await ctx.run(createFileFormat({ fileFormat }));
    await ctx.run(createTableFromFiles({ table: sf.table, stage: sf.stage, path, fileFormat, files }));
    // Every sync, not only the one that created the table: a crash between CREATE and GRANT
    // must not leave the consumers without access for good, and a repeated GRANT changes nothing.
    for (const role of sf.grants) await grantSelect(ctx, role);
  }
  // Before any staging table is made: it copies the target's columns as evolved here.
  await evolveSchema(ctx, files);
  if (ctx.dataset.load.mode === 'replace') {
    // The SWAP exchanges the two tables' grants with them (ALTER TABLE … SWAP WITH), so the staging
    // table must hold the target's grants or the consumers lose SELECT on the swapped-in table.
    // COPY GRANTS on CREATE OR REPLACE would prefer the grants of a staging table left by an
    // earlier attempt (possibly stale), so the old one is dropped and the new one copies the target's.
    await ctx.run(dropTable(ctx.loadInto));
    await ctx.run(createTableLike({ table: ctx.loadInto, like: sf.table, copyGrants: true }));
    if (ctx.dataset.schema?.evolution === 'replace-schema' && files.length > 0) await buildStagingFromFiles(ctx, files);
  }
  if (ctx.dataset.load.mode === 'merge') {
    // Fresh every attempt, like replace's: its load metadata starts empty, so every file of the run loads again.
    await ctx.run(dropTable(ctx.loadInto));
    await ctx.run(createTableLike({ table: ctx.loadInto, like: sf.table }));
    await ctx.run(createMergeLog(mergeLogTable(sf.table)));
  }
  return nextStep('load');
}

/** GRANT SELECT, failing the sync when Snowflake says the grant was not made (it answers that as a success). */
async function grantSelect(ctx: ImportContext, role: string): Promise<void> {
  const table = ctx.dataset.snowflake.table;
  const result = await ctx.run(grantSelectOnTable(table, role));
  const refused = grantNotExecuted(result.rows);
  if (refused !== undefined)
    throw new SyncFailedError(
      'SNOWFLAKE_GRANT_NOT_EXECUTED',
      `SELECT on ${table.database}.${table.schema}.${table.name} could not be granted to role ${role}: ${refused} d2s's role must own the table (or hold MANAGE GRANTS).`,
      { details: { table: table.name, role } },
    );
}

function fileNames(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((row) => String(row.name ?? row.NAME ?? ''));
}

/** A LIST name (the file's full URL for an external stage) relative to the run's prefix. */
function relativeTo(prefixUrl: string, name: string): string {
  return name.startsWith(prefixUrl) ? name.slice(prefixUrl.length) : fileKey(name);
}
