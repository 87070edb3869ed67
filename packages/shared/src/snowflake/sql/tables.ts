import type { SnowflakeObjectName } from '../../config/schema.js';
import { qualifiedName, qualifiedNameLiteral, qualifiedSchemaName, quoteLiteral, stageLocation } from './quoting.js';
import { SqlStatement } from './sql-statement.js';
import { SqlBuildError } from '../errors.js';

/** Statements on ordinary (Snowflake-managed) tables: create, count, swap, drop. */

export interface CreateTableFromFilesOptions {
  table: SnowflakeObjectName;
  stage: SnowflakeObjectName;
  /** Path under the stage URL whose files give the columns, for example `sync-123/`. */
  path?: string | undefined;
  /** A named Parquet file format (INFER_SCHEMA does not take an inline one). */
  fileFormat: SnowflakeObjectName;
  /** Upper-case the inferred column names (`IGNORE_CASE => TRUE`). @defaultValue false */
  ignoreCase?: boolean | undefined;
  /**
   * Infer from these files only (relative to the location; at most 1000). INFER_SCHEMA takes no PATTERN,
   * so this is how Spark's commit files beside the part files are kept out of it.
   */
  files?: readonly string[] | undefined;
  /**
   * `CREATE OR REPLACE` instead of `CREATE … IF NOT EXISTS`: the staging table of a replace-schema load,
   * built afresh from the run's files. @defaultValue false
   */
  orReplace?: boolean | undefined;
  /** With orReplace: the new table keeps the grants of the one it replaces (`COPY GRANTS`). @defaultValue false */
  copyGrants?: boolean | undefined;
}

/**
 * Creates the table, when missing, with the columns of the staged Parquet
 * files, in the files' column order:
 *
 * ```sql
 * CREATE TABLE IF NOT EXISTS "DB"."SCH"."T"
 *   USING TEMPLATE (
 *     SELECT ARRAY_AGG(OBJECT_CONSTRUCT(*)) WITHIN GROUP (ORDER BY ORDER_ID)
 *     FROM TABLE(INFER_SCHEMA(LOCATION => '@"DB"."SCH"."STAGE"/sync-1/', FILE_FORMAT => '"DB"."SCH"."FF"'))
 *   )
 * ```
 */
export function createTableFromFiles(options: CreateTableFromFilesOptions): SqlStatement {
  const head =
    options.orReplace === true
      ? `CREATE OR REPLACE TABLE ${qualifiedName(options.table)}${options.copyGrants === true ? ' COPY GRANTS' : ''}`
      : `CREATE TABLE IF NOT EXISTS ${qualifiedName(options.table)}`;
  return SqlStatement.plain(
    [
      head,
      '  USING TEMPLATE (',
      '    SELECT ARRAY_AGG(OBJECT_CONSTRUCT(*)) WITHIN GROUP (ORDER BY ORDER_ID)',
      `    FROM TABLE(INFER_SCHEMA(${inferSchemaArguments(options).join(', ')}))`,
      '  )',
    ].join('\n'),
  );
}

/** The named arguments of INFER_SCHEMA for these files. */
export function inferSchemaArguments(options: Omit<CreateTableFromFilesOptions, 'table'>): string[] {
  const args = [
    `LOCATION => ${quoteLiteral(stageLocation(options.stage, options.path))}`,
    `FILE_FORMAT => ${qualifiedNameLiteral(options.fileFormat)}`,
  ];
  if (options.files !== undefined) {
    if (options.files.length === 0 || options.files.length > 1000) {
      throw new SqlBuildError('FILES takes from 1 to 1000 file names.', { details: { files: options.files.length } });
    }
    args.push(`FILES => (${options.files.map(quoteLiteral).join(', ')})`);
  }
  if (options.ignoreCase === true) args.push('IGNORE_CASE => TRUE');
  return args;
}

export interface CreateTableLikeOptions {
  table: SnowflakeObjectName;
  /** The table whose column definitions are copied (no data). */
  like: SnowflakeObjectName;
  /** `CREATE OR REPLACE` (a fresh, empty staging table every time) instead of `IF NOT EXISTS`. @defaultValue false */
  orReplace?: boolean | undefined;
  /**
   * `COPY GRANTS`: the new table gets every privilege granted on the `like`
   * table (all but OWNERSHIP). With `orReplace` and a table already there,
   * Snowflake copies that table's grants instead, so a caller that wants the
   * `like` table's grants drops the old one first. @defaultValue false
   */
  copyGrants?: boolean | undefined;
}

/**
 * The staging table of a replace-mode load:
 *
 * ```sql
 * CREATE OR REPLACE TABLE "DB"."SCH"."T__d2s_staging" LIKE "DB"."SCH"."T"
 * CREATE TABLE IF NOT EXISTS "DB"."SCH"."T__d2s_staging" LIKE "DB"."SCH"."T" COPY GRANTS
 * ```
 */
export function createTableLike(options: CreateTableLikeOptions): SqlStatement {
  const head = options.orReplace === true ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS';
  const copyGrants = options.copyGrants === true ? ' COPY GRANTS' : '';
  return SqlStatement.plain(`${head} ${qualifiedName(options.table)} LIKE ${qualifiedName(options.like)}${copyGrants}`);
}

/** The name of the single column `countRows` returns. */
export const ROW_COUNT_COLUMN = 'ROW_COUNT';

/** `SELECT COUNT(*) AS "ROW_COUNT" FROM "DB"."SCH"."T"` */
export function countRows(table: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(`SELECT COUNT(*) AS "${ROW_COUNT_COLUMN}" FROM ${qualifiedName(table)}`);
}

/**
 * Exchanges two tables in one metadata operation (replace mode: the verified
 * staging table becomes the target). Not idempotent: running it twice swaps back.
 *
 * `ALTER TABLE "DB"."SCH"."T" SWAP WITH "DB"."SCH"."T__d2s_staging"`
 */
export function swapTables(table: SnowflakeObjectName, other: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(`ALTER TABLE ${qualifiedName(table)} SWAP WITH ${qualifiedName(other)}`);
}

/** `DROP TABLE IF EXISTS "DB"."SCH"."T"` */
export function dropTable(table: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(`DROP TABLE IF EXISTS ${qualifiedName(table)}`);
}

/**
 * The tables of a schema whose names match `like` (case-insensitive, `%` and
 * `_` wildcards): one row each with `name`, `created_on`, `rows`, ….
 *
 * `SHOW TABLES LIKE 'T%' IN SCHEMA "DB"."SCH"`
 */
export function showTables(scope: { database: string; schema: string }, options: { like?: string } = {}): SqlStatement {
  const like = options.like === undefined ? '' : ` LIKE ${quoteLiteral(options.like)}`;
  return SqlStatement.plain(`SHOW TABLES${like} IN SCHEMA ${qualifiedSchemaName(scope)}`);
}
