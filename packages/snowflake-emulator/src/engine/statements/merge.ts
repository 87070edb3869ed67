import { SnowflakeError, sqlErrors } from '../../errors.js';
import { checkColumnCase } from '../column-case.js';
import { mapDuckError } from '../duckdb-errors.js';
import { runDuck } from '../duck-results.js';
import { sessionParameter } from '../session-state.js';
import { type Token, tokenize } from '../sql-lexer.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';
import { identifierName, isIdentifierToken } from '../token-cursor.js';
import { translateQuery } from '../translate-query.js';
import { authorizeQueryTables, locateInvalidIdentifier } from './query.js';

/**
 * MERGE as Snowflake defines it (https://docs.snowflake.com/en/sql-reference/sql/merge):
 *
 * - the data change itself is DuckDB's MERGE (same clause semantics: the
 *   first WHEN clause whose condition holds acts), run as one statement, so a
 *   failed MERGE changes nothing and, inside BEGIN … COMMIT, rolls back with
 *   the transaction;
 * - the answer is Snowflake's: one row with `number of rows inserted`,
 *   `… updated`, `… deleted`, a column only for each kind of action the
 *   statement has, in that order (as snowflakedb/snowpark-python's
 *   `_get_merge_result` reads it);
 * - "Duplicate join behavior": a target row joined to several source rows is
 *   nondeterministic unless every one of them deletes it; with
 *   ERROR_ON_NONDETERMINISTIC_MERGE (default TRUE) that fails with 100090
 *   (42P18) "Duplicate row detected during DML action" and the row's values
 *   (the code and wording as Snowflake users quote them, for example dbt and
 *   Coalesce troubleshooting pages). DuckDB would update such a row once per
 *   source row instead, so the check runs first, as a read-only join.
 */
export async function runMerge(ctx: StatementContext): Promise<StatementResult> {
  const shape = mergeShape(ctx.cursor.rest());
  const context = {
    catalog: ctx.engine.catalog,
    session: ctx.session.state,
    contextFunctions: ctx.engine.contextFunctions(ctx.session),
  };
  const translated = translateQuery(ctx.tokens, context, false);
  authorizeQueryTables(ctx, 'MERGE', translated.tables);
  checkColumnCase(ctx.tokens, translated.tables, ctx.sql);

  if (shape.matched.length > 0 && sessionParameter(ctx.session.state, 'ERROR_ON_NONDETERMINISTIC_MERGE') === 'true') {
    await refuseNondeterministicJoin(ctx, shape, translated.tables[0]?.physical);
  }
  const result = await runDuck(ctx.session.connection, `${translated.sql} RETURNING merge_action`, ctx.signal).catch(
    (err: unknown) => {
      throw locateInvalidIdentifier(mapDuckError(err, ctx.engine.catalog), ctx.tokens, ctx.sql);
    },
  );
  const counts = { INSERT: 0, UPDATE: 0, DELETE: 0 };
  for (const [action] of (await result.getRows()) as unknown[][]) {
    if (action === 'INSERT' || action === 'UPDATE' || action === 'DELETE') counts[action] += 1;
  }
  const kinds = new Set(shape.clauses.map((clause) => clause.action));
  const columns = [];
  const row = [];
  for (const [kind, label] of [
    ['INSERT', 'number of rows inserted'],
    ['UPDATE', 'number of rows updated'],
    ['DELETE', 'number of rows deleted'],
  ] as const) {
    if (!kinds.has(kind)) continue;
    columns.push(col.number(label, false));
    row.push(counts[kind]);
  }
  return { columns, rows: [row], statementTypeId: StatementType.MERGE };
}

interface MergeClause {
  matched: boolean;
  /** The AND condition's tokens; empty when the clause has none. */
  condition: Token[];
  action: 'INSERT' | 'UPDATE' | 'DELETE';
}

interface MergeShape {
  target: Token[];
  /** What names the target's columns in the statement: its alias, else its (last) name. */
  targetRef: Token;
  source: Token[];
  on: Token[];
  clauses: MergeClause[];
  matched: MergeClause[];
}

/** Splits `MERGE INTO t USING s ON c WHEN …` into its parts at parenthesis depth 0. */
function mergeShape(sig: Token[]): MergeShape {
  if (sig[0]?.upper !== 'MERGE' || sig[1]?.upper !== 'INTO') throw sqlErrors.syntax('MERGE must be MERGE INTO.');
  const using = topLevelIndex(sig, 'USING', 2);
  const on = topLevelIndex(sig, 'ON', using + 1);
  const whens: number[] = [];
  for (let k = topLevelIndex(sig, 'WHEN', on + 1); k !== -1; k = topLevelIndex(sig, 'WHEN', k + 1)) whens.push(k);
  if (using === -1 || on === -1 || whens.length === 0) {
    throw sqlErrors.syntax('MERGE needs INTO <target> USING <source> ON <condition> and at least one WHEN clause.');
  }
  const target = sig.slice(2, using);
  const targetRef = target[target.length - 1];
  if (!targetRef || !isIdentifierToken(targetRef)) throw sqlErrors.syntax('MERGE INTO needs a target table.');
  const clauses = whens.map((start, i) => mergeClause(sig.slice(start, whens[i + 1] ?? sig.length)));
  return {
    target,
    targetRef,
    source: sig.slice(using + 1, on),
    on: sig.slice(on + 1, whens[0]),
    clauses,
    matched: clauses.filter((clause) => clause.matched),
  };
}

function mergeClause(tokens: Token[]): MergeClause {
  const matched = tokens[1]?.upper === 'MATCHED';
  const afterMatched = matched ? 2 : 3;
  if (!matched && (tokens[1]?.upper !== 'NOT' || tokens[2]?.upper !== 'MATCHED')) {
    throw sqlErrors.syntax('A MERGE clause is WHEN MATCHED or WHEN NOT MATCHED.');
  }
  const then = topLevelIndex(tokens, 'THEN', afterMatched);
  const action = tokens[then + 1]?.upper;
  if (then === -1 || (action !== 'INSERT' && action !== 'UPDATE' && action !== 'DELETE')) {
    throw sqlErrors.syntax('A MERGE clause ends in THEN UPDATE, THEN DELETE or THEN INSERT.');
  }
  if (matched === (action === 'INSERT')) {
    throw sqlErrors.syntax(
      matched
        ? 'MATCHED clause in MERGE statement must be followed by UPDATE/DELETE clause'
        : 'NOT MATCHED clause in MERGE statement must be followed by INSERT clause',
    );
  }
  const condition = tokens[afterMatched]?.upper === 'AND' ? tokens.slice(afterMatched + 1, then) : [];
  return { matched, condition, action };
}

function topLevelIndex(tokens: readonly Token[], word: string, from: number): number {
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (k >= from && depth === 0 && t.upper === word && t.kind === 'word') return k;
  }
  return -1;
}

const text = (tokens: readonly Token[]) => tokens.map((t) => t.text).join(' ');

/**
 * Joins target and source as the MERGE will, and finds the WHEN MATCHED
 * clause each pair takes (the first whose condition holds). A target row is
 * left nondeterministic when more than one source row acts on it and any of
 * them updates it.
 */
async function refuseNondeterministicJoin(
  ctx: StatementContext,
  shape: MergeShape,
  targetPhysical: string | undefined,
): Promise<void> {
  const ref = identifierName(shape.targetRef);
  const refSql = `"${ref.replace(/"/g, '""')}"`;
  const whichClause = shape.matched
    .map((clause, i) => `WHEN ${clause.condition.length > 0 ? `(${text(clause.condition)})` : 'TRUE'} THEN ${i + 1}`)
    .join(' ');
  const probe = `SELECT ${refSql}.ROWID AS D2S_ROW, CASE ${whichClause} ELSE 0 END AS D2S_CLAUSE FROM ${text(shape.target)} INNER JOIN ${text(shape.source)} ON ${text(shape.on)}`;
  const context = {
    catalog: ctx.engine.catalog,
    session: ctx.session.state,
    contextFunctions: ctx.engine.contextFunctions(ctx.session),
  };
  const translated = translateQuery(tokenize(probe), context, true);
  const joined = await runDuck(ctx.session.connection, translated.sql, ctx.signal).catch((err: unknown) => {
    throw locateInvalidIdentifier(mapDuckError(err, ctx.engine.catalog), ctx.tokens, ctx.sql);
  });
  const actionsByRow = new Map<string, MergeClause['action'][]>();
  for (const [row, clause] of (await joined.getRows()) as unknown[][]) {
    const acting = shape.matched[Number(clause) - 1];
    if (!acting) continue;
    const key = String(row);
    actionsByRow.set(key, [...(actionsByRow.get(key) ?? []), acting.action]);
  }
  for (const [row, actions] of actionsByRow) {
    if (actions.length > 1 && actions.includes('UPDATE')) {
      throw duplicateRow(targetPhysical ? await rowValues(ctx, targetPhysical, row) : []);
    }
  }
}

async function rowValues(ctx: StatementContext, physical: string, rowId: string): Promise<unknown[]> {
  const result = await runDuck(ctx.session.connection, `SELECT * FROM ${physical} WHERE rowid = ${Number(rowId)}`);
  return ((await result.getRows())[0] as unknown[] | undefined) ?? [];
}

function duplicateRow(values: readonly unknown[]): SnowflakeError {
  const shown = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ');
  return new SnowflakeError('100090', '42P18', `Duplicate row detected during DML action\nRow Values: [${shown}]`);
}
