import { authorizeStageObject } from '../access/authorize.js';
import { listStagedFiles, parseStageReference, patternRegExp, resolveStage } from '../../stage/stage-files.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';
import { optionText } from '../token-cursor.js';

/**
 * The files a `LIST` / `REMOVE @stage[/path] [PATTERN = '<regex>']` statement names, after the role's
 * USAGE on the stage is checked: both read the statement and select files the same way.
 */
export async function stagedFilesNamed(ctx: StatementContext) {
  const c = ctx.cursor;
  c.next();
  const t = c.next();
  if (t.kind !== 'stage') return c.fail(t);
  const options = c.optionList();
  c.expectEnd();
  const { nameParts, path } = parseStageReference(t.value);
  const stage = resolveStage(ctx.engine.catalog, ctx.session.state, nameParts);
  authorizeStageObject(ctx, 'stage', nameParts);
  return listStagedFiles(ctx.engine.objectStore, stage.url, path, patternRegExp(optionText(options.get('PATTERN'))));
}

/** LIST @stage[/path] [PATTERN = '<regex>']: name, size, md5, last_modified per file. */
export async function listStage(ctx: StatementContext): Promise<StatementResult> {
  const files = await stagedFilesNamed(ctx);
  return {
    columns: [col.text('name', false), col.number('size', false), col.text('md5'), col.text('last_modified', false)],
    rows: files.map((f) => [f.url, f.size, f.md5, f.lastModified.toUTCString()]),
    statementTypeId: StatementType.SHOW,
  };
}
