import type { SnowflakeObjectName } from '../../config/schema.js';
import { SqlBuildError } from '../errors.js';
import { qualifiedName, qualifiedNameLiteral, quoteIdentifier, quoteLiteral, stageLocation } from './quoting.js';
import { SqlStatement } from './sql-statement.js';

/** Statements that set up and run a load: stage, file format, COPY INTO. */

/**
 * Spark writes timestamps to Parquet as UTC instants (isAdjustedToUTC =
 * true). Unless USE_LOGICAL_TYPE = TRUE, Snowflake ignores that flag and
 * loads the stored UTC wall clock into a TIMESTAMP_LTZ / _TZ column as if it
 * were local time in the session's TIMEZONE (America/Los_Angeles by default),
 * moving every instant by the session's offset. With it, the instants land
 * as they are. Sources: Snowflake's CREATE FILE FORMAT reference
 * (USE_LOGICAL_TYPE, Parquet), snowflakedb/snowflake-connector-python
 * issues #1687 and #1688.
 */
const PARQUET_FORMAT = 'TYPE = PARQUET USE_LOGICAL_TYPE = TRUE';

export interface CreateStageOptions {
  stage: SnowflakeObjectName;
  /** The external location, `s3://bucket/prefix/` (also `gcs://`, `azure://`). */
  url: string;
  /** The storage integration that grants Snowflake access to the URL; omitted for public buckets. */
  storageIntegration?: string | undefined;
  comment?: string | undefined;
}

const STAGE_URL = /^(s3|s3gov|s3china|gcs|azure):\/\/[^\s]+$/;

/**
 * ```sql
 * CREATE STAGE IF NOT EXISTS "DB"."SCH"."STAGE"
 *   URL = 's3://bucket/prefix/'
 *   STORAGE_INTEGRATION = "S3_INT"
 *   FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)
 * ```
 */
export function createStage(options: CreateStageOptions): SqlStatement {
  if (!STAGE_URL.test(options.url)) {
    throw new SqlBuildError('A stage URL must look like s3://bucket/prefix/ (or gcs://, azure://).', {
      details: { url: options.url },
    });
  }
  const lines = [`CREATE STAGE IF NOT EXISTS ${qualifiedName(options.stage)}`, `  URL = ${quoteLiteral(options.url)}`];
  if (options.storageIntegration !== undefined) {
    lines.push(`  STORAGE_INTEGRATION = ${quoteIdentifier(options.storageIntegration)}`);
  }
  lines.push(`  FILE_FORMAT = (${PARQUET_FORMAT})`);
  if (options.comment !== undefined) lines.push(`  COMMENT = ${quoteLiteral(options.comment)}`);
  return SqlStatement.plain(lines.join('\n'));
}

export interface CreateFileFormatOptions {
  fileFormat: SnowflakeObjectName;
  comment?: string | undefined;
}

/**
 * A named Parquet file format; INFER_SCHEMA only accepts a named one.
 *
 * ```sql
 * CREATE FILE FORMAT IF NOT EXISTS "DB"."SCH"."FF"
 *   TYPE = PARQUET USE_LOGICAL_TYPE = TRUE
 * ```
 */
export function createFileFormat(options: CreateFileFormatOptions): SqlStatement {
  const lines = [`CREATE FILE FORMAT IF NOT EXISTS ${qualifiedName(options.fileFormat)}`, `  ${PARQUET_FORMAT}`];
  if (options.comment !== undefined) lines.push(`  COMMENT = ${quoteLiteral(options.comment)}`);
  return SqlStatement.plain(lines.join('\n'));
}

export type MatchByColumnName = 'CASE_INSENSITIVE' | 'CASE_SENSITIVE' | 'NONE';
export type OnError = 'ABORT_STATEMENT' | 'CONTINUE' | 'SKIP_FILE';

const MATCH_BY_COLUMN_NAME: readonly MatchByColumnName[] = ['CASE_INSENSITIVE', 'CASE_SENSITIVE', 'NONE'];
const ON_ERROR: readonly OnError[] = ['ABORT_STATEMENT', 'CONTINUE', 'SKIP_FILE'];

export interface CopyIntoTableOptions {
  table: SnowflakeObjectName;
  stage: SnowflakeObjectName;
  /** Path under the stage URL, for example the sync's `sync-123/`. */
  path?: string | undefined;
  /** Only these files (relative to the location); at most 1000. */
  files?: readonly string[] | undefined;
  /** A regular expression the file paths must match in full. */
  pattern?: string | undefined;
  /** A named file format instead of the inline `(TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)`. */
  fileFormat?: SnowflakeObjectName | undefined;
  /** @defaultValue 'CASE_INSENSITIVE' */
  matchByColumnName?: MatchByColumnName | undefined;
  /** @defaultValue 'ABORT_STATEMENT' */
  onError?: OnError | undefined;
  /** Load files again even if load metadata says they were loaded. @defaultValue false */
  force?: boolean | undefined;
}

/**
 * Clauses in the order of Snowflake's syntax (FROM, FILES, PATTERN,
 * FILE_FORMAT, copy options):
 *
 * ```sql
 * COPY INTO "DB"."SCH"."T"
 *   FROM @"DB"."SCH"."STAGE"/sync-1/
 *   PATTERN = '.*[.]parquet'
 *   FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)
 *   MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
 *   ON_ERROR = ABORT_STATEMENT
 *   FORCE = TRUE
 * ```
 */
export function copyIntoTable(options: CopyIntoTableOptions): SqlStatement {
  const matchBy = options.matchByColumnName ?? 'CASE_INSENSITIVE';
  const onError = options.onError ?? 'ABORT_STATEMENT';
  if (!MATCH_BY_COLUMN_NAME.includes(matchBy)) {
    throw new SqlBuildError(`MATCH_BY_COLUMN_NAME must be one of ${MATCH_BY_COLUMN_NAME.join(', ')}.`, {
      details: { matchByColumnName: matchBy },
    });
  }
  if (!ON_ERROR.includes(onError)) {
    throw new SqlBuildError(`ON_ERROR must be one of ${ON_ERROR.join(', ')}.`, { details: { onError } });
  }
  const lines = [`COPY INTO ${qualifiedName(options.table)}`, `  FROM ${stageLocation(options.stage, options.path)}`];
  if (options.files !== undefined) {
    if (options.files.length === 0 || options.files.length > 1000) {
      throw new SqlBuildError('FILES takes from 1 to 1000 file names.', { details: { files: options.files.length } });
    }
    lines.push(`  FILES = (${options.files.map(quoteLiteral).join(', ')})`);
  }
  if (options.pattern !== undefined) lines.push(`  PATTERN = ${quoteLiteral(options.pattern)}`);
  lines.push(
    options.fileFormat === undefined
      ? `  FILE_FORMAT = (${PARQUET_FORMAT})`
      : `  FILE_FORMAT = (FORMAT_NAME = ${qualifiedNameLiteral(options.fileFormat)})`,
  );
  lines.push(`  MATCH_BY_COLUMN_NAME = ${matchBy}`, `  ON_ERROR = ${onError}`);
  if (options.force === true) lines.push('  FORCE = TRUE');
  return SqlStatement.plain(lines.join('\n'));
}
