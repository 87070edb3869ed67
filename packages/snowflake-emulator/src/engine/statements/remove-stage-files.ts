import { rm } from 'node:fs/promises';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';
import { stagedFilesNamed } from './list-stage.js';

/**
 * REMOVE | RM @stage[/path] [PATTERN = '<regex>'], as Snowflake documents it
 * (https://docs.snowflake.com/en/sql-reference/sql/remove):
 * - the path is a prefix, not a folder: `rm @%mytable/myobject` removes
 *   `myobject.csv.gz` and the `myobject_new` directory too, so only a path
 *   ending in `/` keeps to one folder;
 * - PATTERN is a regular expression over each file LIST would show there
 *   (matched as LIST and COPY match it);
 * - the answer is one row per file removed: `name` (named as LIST names it,
 *   the file's URL for an external stage) and `result` = `removed`
 *   (the docs' examples). Nothing matched: no rows, and no error, so a
 *   repeated REMOVE is harmless.
 * On an external stage the role needs USAGE on the stage.
 */
export async function removeStageFiles(ctx: StatementContext): Promise<StatementResult> {
  const files = await stagedFilesNamed(ctx);
  for (const file of files) await rm(file.localPath, { force: true });
  return {
    columns: [col.text('name', false), col.text('result', false)],
    rows: files.map((f) => [f.url, 'removed']),
    statementTypeId: StatementType.SHOW,
  };
}
