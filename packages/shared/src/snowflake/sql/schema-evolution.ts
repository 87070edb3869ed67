import type { SnowflakeObjectName } from '../../config/schema.js';
import { SqlBuildError } from '../errors.js';
import { qualifiedName, quoteIdentifier } from './quoting.js';
import { SqlStatement } from './sql-statement.js';
import { type CreateTableFromFilesOptions, inferSchemaArguments } from './tables.js';

/** Statements of schema evolution: read the files' columns, add a column, widen a column's type. */

/**
 * The columns of staged Parquet files, one row each (COLUMN_NAME, TYPE, NULLABLE, EXPRESSION, FILENAMES, ORDER_ID):
 *
 * ```sql
 * SELECT * FROM TABLE(INFER_SCHEMA(LOCATION => '@"DB"."SCH"."STAGE"/sync-1/', FILE_FORMAT => '"DB"."SCH"."FF"'))
 * ```
 */
export function inferSchemaOfFiles(options: Omit<CreateTableFromFilesOptions, 'table'>): SqlStatement {
  return SqlStatement.plain(
    `SELECT * FROM TABLE(INFER_SCHEMA(${inferSchemaArguments(options).join(', ')})) ORDER BY ORDER_ID`,
  );
}

/**
 * A data type as Snowflake prints it (`NUMBER(38,0)`, `VARCHAR(16777216)`, `TIMESTAMP_NTZ(9)`, `FLOAT`).
 * Types reach SQL unquoted, so only this shape is let through.
 */
const DATA_TYPE = /^[A-Z][A-Z0-9_]*( [A-Z]+)*(\(\d{1,8}(, ?\d{1,2})?\))?$/;

function dataType(type: string): string {
  if (!DATA_TYPE.test(type))
    throw new SqlBuildError(`Not a data type: ${JSON.stringify(type)}.`, { details: { type } });
  return type;
}

/**
 * `ALTER TABLE "DB"."SCH"."T" ADD COLUMN IF NOT EXISTS "c" NUMBER(38,0)`: a nullable column (the existing rows
 * get NULL). IF NOT EXISTS makes it safe to repeat: a retry after a crash that came after the ALTER adds nothing.
 */
export function addColumn(table: SnowflakeObjectName, column: string, type: string): SqlStatement {
  return SqlStatement.plain(
    `ALTER TABLE ${qualifiedName(table)} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column)} ${dataType(type)}`,
  );
}

/**
 * `ALTER TABLE "DB"."SCH"."T" ALTER COLUMN "c" SET DATA TYPE VARCHAR(200)`: only the widenings Snowflake
 * allows (a longer VARCHAR, a NUMBER of more precision and the same scale). Setting the type a column
 * already has changes nothing, so a repeat is safe.
 */
export function setColumnType(table: SnowflakeObjectName, column: string, type: string): SqlStatement {
  return SqlStatement.plain(
    `ALTER TABLE ${qualifiedName(table)} ALTER COLUMN ${quoteIdentifier(column)} SET DATA TYPE ${dataType(type)}`,
  );
}
