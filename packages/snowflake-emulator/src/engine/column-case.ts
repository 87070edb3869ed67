import { displayIdentifier, sqlErrors } from '../errors.js';
import type { TableEntry } from './catalog.js';
import { isTrivia, type Token } from './sql-lexer.js';
import { sourcePosition } from './source-position.js';
import { identifierName, isIdentifierToken } from './token-cursor.js';

/**
 * Words that are SQL syntax rather than column references where they appear
 * unquoted; a table may still have a quoted lower-case column of that name.
 */
const SYNTAX_WORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'HAVING',
  'QUALIFY',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'FETCH',
  'UNION',
  'ALL',
  'EXCEPT',
  'INTERSECT',
  'MINUS',
  'DISTINCT',
  'AS',
  'ON',
  'USING',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'OUTER',
  'CROSS',
  'NATURAL',
  'AND',
  'OR',
  'NOT',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
  'IN',
  'LIKE',
  'ILIKE',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'INSERT',
  'INTO',
  'VALUES',
  'UPDATE',
  'SET',
  'DELETE',
  'MERGE',
  'MATCHED',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'WITH',
  'RECURSIVE',
  'OVER',
  'PARTITION',
  'ROWS',
  'RANGE',
  'INTERVAL',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'EXISTS',
  'ANY',
  'SOME',
  'OVERWRITE',
  'LATERAL',
  'TABLE',
]);

/**
 * Snowflake resolves a column reference with the rules it uses for every
 * identifier: an unquoted name is upper-cased, a quoted one is taken exactly,
 * and the result must equal the column's stored name. DuckDB, which runs the
 * query, matches column names ignoring case, so `SELECT id` would find a
 * column created as `"id"`. This pass refuses, before DuckDB sees the query,
 * every reference that matches a column of the tables it reads only when case
 * is ignored, with Snowflake's 000904 "invalid identifier" (the name printed
 * quoted when it is not a plain upper-case name, as Snowflake prints it:
 * `invalid identifier '"id"'`).
 *
 * Names the query defines itself (`AS alias`, CTE names) count as known;
 * function names, qualifiers before a dot, type names after `::` and typed
 * literals (`DATE '…'`) are not column references.
 */
export function checkColumnCase(tokens: readonly Token[], tables: readonly TableEntry[], sql: string): void {
  if (tables.length === 0) return;
  const sig = tokens.filter((t) => !isTrivia(t));
  const exact = new Set<string>();
  const folded = new Set<string>();
  for (const table of tables) {
    exact.add(table.name);
    for (const column of table.columns) {
      exact.add(column.name);
      folded.add(column.name.toUpperCase());
    }
  }
  sig.forEach((t, k) => {
    const definesAlias = sig[k - 1]?.upper === 'AS';
    const namesCte = sig[k + 1]?.upper === 'AS' && sig[k + 2]?.text === '(';
    if (isIdentifierToken(t) && (definesAlias || namesCte)) exact.add(identifierName(t));
  });
  sig.forEach((t, k) => {
    if (!isIdentifierToken(t)) return;
    const name = identifierName(t);
    if (exact.has(name) || !folded.has(name.toUpperCase())) return;
    const prev = sig[k - 1];
    const next = sig[k + 1];
    if (next?.text === '(' || next?.text === '.' || next?.kind === 'string') return;
    if (prev?.text === '::' || prev?.upper === 'AS') return;
    if (t.kind === 'word' && SYNTAX_WORDS.has(t.upper)) return;
    const { line, position } = sourcePosition(sql, t.pos);
    throw sqlErrors.invalidIdentifier(displayIdentifier(name), line, position);
  });
}
