import type { SchemaChange } from '@d2s/shared';
import {
  addColumn,
  createFileFormat,
  createTableFromFiles,
  describeTable,
  inferSchemaOfFiles,
  setColumnType,
} from '@d2s/shared/snowflake';
import type { ImportContext } from '../import-context.js';
import { SchemaMismatchError } from '../import-errors.js';
import { type ColumnShape, planSchemaChanges } from '../schema-diff.js';

type TableName = ImportContext['staging'];

/** The named Parquet format INFER_SCHEMA needs (it takes no inline format), beside the target. */
export function parquetFormatOf(table: TableName): TableName {
  return { database: table.database, schema: table.schema, name: 'D2S_PARQUET' };
}

/**
 * Schema evolution, before any data moves (README "Schema evolution"): the run's file columns
 * (INFER_SCHEMA over the run's data files) are compared with the target's (DESCRIBE TABLE) under
 * `schema.evolution`. A difference the setting does not allow fails the sync here, before the target
 * or any staging table is touched, with the whole diff in the error. Otherwise the target gets its new
 * columns and widenings (append and merge load into it or into a copy of its columns; replace-schema
 * leaves it alone and builds its staging table from the files instead, see buildStagingFromFiles).
 *
 * Crash-safe: the planned changes are saved into the job before the first ALTER, and each ALTER is
 * safe to repeat (ADD COLUMN IF NOT EXISTS; SET DATA TYPE to the type a column has changes nothing),
 * so a retry re-plans against the target as the crash left it and reports what this sync changed.
 */
export async function evolveSchema(ctx: ImportContext, files: readonly string[]): Promise<void> {
  const schema = ctx.dataset.schema;
  if (!schema || files.length === 0) return;
  const target = ctx.dataset.snowflake.table;
  const fileFormat = parquetFormatOf(target);
  await ctx.run(createFileFormat({ fileFormat }));
  const inferred = await ctx.run(
    inferSchemaOfFiles({ stage: ctx.dataset.snowflake.stage, path: ctx.request.stagePath, fileFormat, files }),
  );
  const described = await ctx.run(describeTable(target));
  const plan = planSchemaChanges(inferred.rows.map(fileColumn), described.rows.map(tableColumn), {
    evolution: schema.evolution,
    caseSensitive: ctx.dataset.snowflake.copyOptions.matchByColumnName === 'CASE_SENSITIVE',
  });
  if (plan.conflicts.length > 0) throw new SchemaMismatchError(target, schema.evolution, plan.conflicts);

  const changes = mergeChanges(ctx.savedSchemaChanges, plan.changes);
  ctx.report.schemaChanges = changes;
  if (plan.changes.length === 0) return;
  await ctx.saveSchemaChanges(changes);
  if (schema.evolution === 'replace-schema') return;
  await ctx.throwIfCanceled();
  for (const change of plan.changes) {
    if (change.kind === 'add-column' && change.to) await ctx.run(addColumn(target, change.column, change.to));
    if (change.kind === 'widen' && change.to) await ctx.run(setColumnType(target, change.column, change.to));
  }
  ctx.log.info({ schemaChanges: plan.changes }, 'target columns evolved');
}

/**
 * replace-schema: the staging table gets the run's file columns, and the target's grants so the SWAP
 * keeps the consumers' access. COPY GRANTS on a CREATE OR REPLACE copies the grants of the table it
 * replaces, and CREATE … USING TEMPLATE has no LIKE source, so the staging table is first made LIKE the
 * target with its grants, then replaced by the files' columns keeping them.
 */
export async function buildStagingFromFiles(ctx: ImportContext, files: readonly string[]): Promise<void> {
  const sf = ctx.dataset.snowflake;
  const fileFormat = parquetFormatOf(sf.table);
  await ctx.run(createFileFormat({ fileFormat }));
  await ctx.run(
    createTableFromFiles({
      table: ctx.loadInto,
      stage: sf.stage,
      path: ctx.request.stagePath,
      fileFormat,
      files,
      orReplace: true,
      copyGrants: true,
    }),
  );
}

/** Saved changes of earlier attempts first, then this attempt's, each column and kind once. */
function mergeChanges(saved: readonly SchemaChange[], planned: readonly SchemaChange[]): SchemaChange[] {
  const merged = [...saved];
  for (const change of planned)
    if (!merged.some((c) => c.kind === change.kind && c.column === change.column)) merged.push(change);
  return merged;
}

function fileColumn(row: Record<string, unknown>): ColumnShape {
  return {
    name: String(row.COLUMN_NAME ?? ''),
    type: String(row.TYPE ?? ''),
    nullable: row.NULLABLE !== false && row.NULLABLE !== 'false',
  };
}

function tableColumn(row: Record<string, unknown>): ColumnShape {
  return {
    name: String(row.name ?? row.NAME ?? ''),
    type: String(row.type ?? row.TYPE ?? ''),
    nullable: String(row['null?'] ?? row['NULL?'] ?? 'Y') === 'Y',
  };
}
