import { displayIdentifier, type SnowflakeError, sqlErrors } from '../../errors.js';
import { authorizeTable, authorizeTableEntry } from '../access/authorize.js';
import type { TableEntry } from '../catalog.js';
import { checkColumnCase } from '../column-case.js';
import { expandInformationSchema, mentionsInformationSchema } from '../information-schema.js';
import { expandResultScans, mentionsResultScan } from '../result-scan.js';
import { mapDuckError } from '../duckdb-errors.js';
import { resultFromDuck, runDuck } from '../duck-results.js';
import { resolveTable } from '../name-resolution.js';
import { sourcePosition } from '../source-position.js';
import type { Token } from '../sql-lexer.js';
import type { StatementContext } from '../statement-context.js';
import { col, type ResultColumn, type StatementResult, StatementType } from '../statement-result.js';
import { identifierName, isIdentifierToken } from '../token-cursor.js';
import { translateQuery } from '../translate-query.js';

function countResult(statementTypeId: number, columns: ResultColumn[], counts: number[]): StatementResult {
  return { columns, rows: [counts], statementTypeId };
}

/** `INSERT OVERWRITE INTO t ...`: empties t first, then inserts (one transaction in Snowflake). */
async function overwriteTarget(ctx: StatementContext): Promise<Token[]> {
  const sig = ctx.cursor.rest();
  const overwrite = sig[1];
  if (overwrite?.upper !== 'OVERWRITE') return ctx.tokens;
  const parts: string[] = [];
  for (let k = 3; k < sig.length && isIdentifierToken(sig[k]); k += 2) {
    parts.push(identifierName(sig[k] as Token));
    if (sig[k + 1]?.text !== '.') break;
  }
  const { ref, table } = resolveTable(ctx.engine.catalog, ctx.session.state, parts, 'INSERT');
  authorizeTable(ctx, ref, table, 'INSERT', 'DELETE');
  await runDuck(ctx.session.connection, `DELETE FROM ${table.physical}`, ctx.signal);
  return ctx.tokens.filter((t) => t !== overwrite);
}

/** The privileges a MERGE's WHEN clauses need on its target. */
function mergePrivileges(ctx: StatementContext): string[] {
  const needed = new Set<string>();
  const sig = ctx.cursor.rest();
  sig.forEach((t, i) => {
    if (t.upper === 'THEN' && ['INSERT', 'UPDATE', 'DELETE'].includes(sig[i + 1]?.upper ?? ''))
      needed.add(sig[i + 1]?.upper as string);
  });
  return [...needed];
}

/**
 * A query reads its tables (SELECT); DML writes its target, the first table it
 * names (INSERT INTO t, UPDATE t, DELETE FROM t, MERGE INTO t), with the
 * privilege of its kind, and reads the others.
 */
export function authorizeQueryTables(ctx: StatementContext, first: string, tables: readonly TableEntry[]): void {
  const [target, ...sources] = tables;
  if (target === undefined) return;
  const isDml = first === 'INSERT' || first === 'UPDATE' || first === 'DELETE' || first === 'MERGE';
  if (!isDml) {
    for (const table of new Set(tables)) authorizeTableEntry(ctx, table, 'SELECT');
    return;
  }
  const privileges = first === 'MERGE' ? mergePrivileges(ctx) : [first];
  authorizeTableEntry(ctx, target, ...privileges);
  for (const table of new Set(sources)) if (table !== target) authorizeTableEntry(ctx, table, 'SELECT');
}

/**
 * DuckDB names a missing column as it was written, lower case included, and
 * says where only in its own (translated) SQL. Snowflake prints the resolved
 * name (`FOO` for `foo`, `'"Foo"'` for `"Foo"`) with the line and position in
 * the statement as sent; the first reference written that way is the one.
 */
export function locateInvalidIdentifier(err: SnowflakeError, tokens: readonly Token[], sql: string): SnowflakeError {
  if (err.code !== '000904') return err;
  const written = /invalid identifier '(.*)'$/.exec(err.message)?.[1];
  if (written === undefined) return err;
  const reference = tokens.find((t) => isIdentifierToken(t) && t.value.toUpperCase() === written.toUpperCase());
  if (!reference) return err;
  const { line, position } = sourcePosition(sql, reference.pos);
  return sqlErrors.invalidIdentifier(displayIdentifier(identifierName(reference)), line, position);
}

/**
 * SELECT / INSERT / UPDATE / DELETE / MERGE: translated to DuckDB and run on
 * the session's connection. DML answers with Snowflake's count rows
 * (`number of rows inserted`, ...).
 */
export async function runQuery(ctx: StatementContext): Promise<StatementResult> {
  const first = ctx.cursor.peek()?.upper ?? '';
  const translationContext = {
    catalog: ctx.engine.catalog,
    session: ctx.session.state,
    contextFunctions: ctx.engine.contextFunctions(ctx.session),
  };
  const isSelect = first === 'SELECT' || first === 'WITH' || first === '(';
  let tokens = first === 'INSERT' ? await overwriteTarget(ctx) : ctx.tokens;
  if (mentionsResultScan(ctx)) tokens = await expandResultScans({ ...ctx, tokens });
  if (mentionsInformationSchema(ctx)) tokens = await expandInformationSchema(ctx, tokens);
  const translated = translateQuery(tokens, translationContext, isSelect);
  // Objects resolve (and are authorized) before their columns, as Snowflake's compiler reports them.
  authorizeQueryTables(ctx, first, translated.tables);
  checkColumnCase(tokens, translated.tables, ctx.sql);
  const result = await runDuck(ctx.session.connection, translated.sql, ctx.signal).catch((err: unknown) => {
    throw locateInvalidIdentifier(mapDuckError(err, ctx.engine.catalog), tokens, ctx.sql);
  });
  if (isSelect)
    return resultFromDuck(result, translated.tables, StatementType.SELECT, translated.semiStructuredColumns);
  const changed = result.rowsChanged;
  switch (first) {
    case 'INSERT':
      return countResult(StatementType.INSERT, [col.number('number of rows inserted', false)], [changed]);
    case 'UPDATE':
      return countResult(
        StatementType.UPDATE,
        [col.number('number of rows updated', false), col.number('number of multi-joined rows updated', false)],
        [changed, 0],
      );
    case 'DELETE':
      return countResult(StatementType.DELETE, [col.number('number of rows deleted', false)], [changed]);
    default:
      return countResult(
        StatementType.MERGE,
        [col.number('number of rows inserted', false), col.number('number of rows updated', false)],
        [changed, 0],
      );
  }
}
