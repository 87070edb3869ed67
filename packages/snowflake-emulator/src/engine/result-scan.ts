import { sqlErrors } from '../errors.js';
import { runDuck } from './duck-results.js';
import { duckIdent, duckString, isTrivia, type Token } from './sql-lexer.js';
import type { StatementContext } from './statement-context.js';

/**
 * `TABLE(RESULT_SCAN('<query id>' | LAST_QUERY_ID()))`: the result of an
 * earlier query of the same user, as a table
 * (https://docs.snowflake.com/en/sql-reference/functions/result_scan). The
 * stored result is copied into a temporary DuckDB table of the session and
 * the call is replaced by that table's name. A query id that is unknown, not
 * finished or another user's is "Statement … not found" (000709), and
 * LAST_QUERY_ID() without an earlier query is an invalid argument.
 */

let scans = 0;

function literal(value: unknown, duckType: string): string {
  if (value === null || value === undefined) return 'NULL';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'object' && value.constructor === Object) text = JSON.stringify(value);
  else text = String(value);
  return `CAST(${duckString(text)} AS ${duckType})`;
}

/** Where a `TABLE ( RESULT_SCAN ( … ) )` call sits in the tokens, and the query id it names. */
function findCall(ctx: StatementContext): { from: number; to: number; queryId: string } | undefined {
  const tokens = ctx.tokens;
  const sig: number[] = [];
  tokens.forEach((t, i) => {
    if (!isTrivia(t)) sig.push(i);
  });
  const at = (k: number): Token | undefined => tokens[sig[k] as number];
  for (let k = 0; k + 3 < sig.length; k++) {
    if (at(k)?.upper !== 'TABLE' || at(k + 1)?.text !== '(' || at(k + 2)?.upper !== 'RESULT_SCAN') continue;
    if (at(k + 3)?.text !== '(') continue;
    let j = k + 4;
    let queryId: string | null;
    if (at(j)?.kind === 'string') {
      queryId = (at(j) as Token).value;
      j++;
    } else if (at(j)?.upper === 'LAST_QUERY_ID' && at(j + 1)?.text === '(' && at(j + 2)?.text === ')') {
      queryId = ctx.session.lastQueryId;
      if (queryId === null)
        throw sqlErrors.invalidValue(
          'Invalid argument [LAST_QUERY_ID()] for RESULT_SCAN: no earlier query in this session',
        );
      j += 3;
    } else return undefined;
    if (at(j)?.text !== ')' || at(j + 1)?.text !== ')') return undefined;
    return { from: sig[k] as number, to: sig[j + 1] as number, queryId };
  }
  return undefined;
}

/**
 * Copies rows into a new temporary DuckDB table of the session; returns its
 * name. Values are written as text cast to each column's DuckDB type.
 */
export async function materializeRows(
  ctx: StatementContext,
  columns: readonly { name: string; type: { duck: string } }[],
  rows: readonly unknown[][],
): Promise<string> {
  const name = `sf_rows_${++scans}`;
  const definitions = columns.map((c) => `${duckIdent(c.name)} ${c.type.duck}`).join(', ');
  await runDuck(ctx.session.connection, `CREATE OR REPLACE TEMP TABLE ${name} (${definitions})`, ctx.signal);
  for (let start = 0; start < rows.length; start += 500) {
    const values = rows
      .slice(start, start + 500)
      .map((row) => `(${columns.map((c, i) => literal(row[i], c.type.duck)).join(', ')})`)
      .join(', ');
    await runDuck(ctx.session.connection, `INSERT INTO ${name} VALUES ${values}`, ctx.signal);
  }
  return name;
}

/** A token standing for a DuckDB table: an op token is emitted verbatim and never taken for a catalog table. */
export function rawTableToken(name: string, pos: number): Token {
  return { kind: 'op', text: name, value: name, upper: name, pos };
}

/** True when the statement reads a RESULT_SCAN. */
export function mentionsResultScan(ctx: StatementContext): boolean {
  return ctx.tokens.some((t) => t.upper === 'RESULT_SCAN');
}

/**
 * Materializes each RESULT_SCAN of the statement and returns the tokens with
 * the calls replaced by the temporary tables' names.
 */
export async function expandResultScans(ctx: StatementContext): Promise<Token[]> {
  let tokens = ctx.tokens;
  for (let call = findCall({ ...ctx, tokens }); call; call = findCall({ ...ctx, tokens })) {
    const stored = ctx.engine.hooks.resultOf(call.queryId);
    if (!stored || stored.user.toUpperCase() !== ctx.session.state.user.toUpperCase())
      throw sqlErrors.executionError(`Statement ${call.queryId} not found`, '000709');
    const name = await materializeRows(ctx, stored.result.columns, stored.result.rows);
    const replacement: Token = {
      kind: 'op',
      text: name,
      value: name,
      upper: name,
      pos: (tokens[call.from] as Token).pos,
    };
    tokens = [...tokens.slice(0, call.from), replacement, ...tokens.slice(call.to + 1)];
  }
  return tokens;
}
