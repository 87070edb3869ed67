import type { SnowflakeObjectName } from '../../config/schema.js';
import { integerOption, qualifiedNameLiteral, quoteIdentifier, quoteLiteral, stageLocation } from './quoting.js';
import { SqlStatement } from './sql-statement.js';
import { runDataFilePattern } from '../../sync/data-files.js';

/**
 * The files under a stage path, one row each (`name`, `size`, `md5`,
 * `last_modified`): what the export wrote, before COPY INTO reads it.
 *
 * `LIST @"DB"."SCH"."STAGE"/dataset/sync_1/ PATTERN = '.*dataset/sync_1/(?:….parquet)'`
 */
export function listStage(stage: SnowflakeObjectName, path = '', options: { pattern?: string } = {}): SqlStatement {
  const pattern = options.pattern === undefined ? '' : ` PATTERN = ${quoteLiteral(options.pattern)}`;
  return SqlStatement.plain(`LIST ${stageLocation(stage, path)}${pattern}`);
}

/**
 * The table's load history for the last `hours`: which files an earlier COPY
 * loaded, with their row counts. Lets a retried load account for files that
 * Snowflake's load metadata now skips.
 *
 * ```sql
 * SELECT FILE_NAME, ROW_COUNT, STATUS
 *   FROM TABLE("DB".INFORMATION_SCHEMA.COPY_HISTORY(
 *     TABLE_NAME => '"DB"."SCH"."T"', START_TIME => DATEADD(HOUR, -336, CURRENT_TIMESTAMP())))
 * ```
 */
export function copyHistory(table: SnowflakeObjectName, hours: number): SqlStatement {
  const back = integerOption('hours', hours, 1, 24 * 14);
  return SqlStatement.plain(
    [
      'SELECT FILE_NAME, ROW_COUNT, STATUS',
      `  FROM TABLE(${quoteIdentifier(table.database)}.INFORMATION_SCHEMA.COPY_HISTORY(`,
      `    TABLE_NAME => ${qualifiedNameLiteral(table)}, START_TIME => DATEADD(HOUR, -${back}, CURRENT_TIMESTAMP())))`,
    ].join('\n'),
  );
}

/**
 * Removes every file of one run (data and commit files alike): `REMOVE @stage/<run path>/`.
 * REMOVE takes its path as a prefix (https://docs.snowflake.com/en/sql-reference/sql/remove:
 * `rm @%mytable/myobject` also removes `myobject_new`), so the path must end in `/`; the
 * PATTERN, anchored at that path like the load's, says the same again on the server side.
 * Callers check the path is the run's own first (requireRunPrefix).
 *
 * `REMOVE @"DB"."SCH"."STAGE"/forecasts/sync_1/ PATTERN = '.*forecasts/sync_1/(?:.*)'`
 */
export function removeRunFiles(stage: SnowflakeObjectName, runPath: string): SqlStatement {
  if (!runPath.endsWith('/') || runPath.replace(/\/+/g, '') === '')
    throw new Error(`A run path to remove must name a folder (end in /), got "${runPath}"`);
  return SqlStatement.plain(
    `REMOVE ${stageLocation(stage, runPath)} PATTERN = ${quoteLiteral(runDataFilePattern(runPath, '.*'))}`,
  );
}
