import { sqlErrors } from '../errors.js';
import type { Token } from './sql-lexer.js';
import type { StatementContext } from './statement-context.js';

/**
 * Statements that run on a warehouse fail without one, as in Snowflake: "Warehouses are required for queries,
 * as well as all DML operations, including loading data into tables" (Snowflake docs, "Virtual warehouses",
 * docs.snowflake.com/en/user-guide/warehouses): SELECT statements that retrieve rows from tables and views,
 * INSERT / UPDATE / DELETE / MERGE, COPY INTO, and CREATE TABLE … AS SELECT / USING TEMPLATE (a query).
 * Metadata statements (SHOW, DESCRIBE, LIST, DDL, GRANT, USE, ALTER SESSION) and SELECTs without a FROM
 * (`SELECT CURRENT_ROLE()`) run in the cloud services layer and need none.
 */
export function requireWarehouse(ctx: StatementContext): void {
  const state = ctx.session.state;
  if (state.operator) return;
  // A warehouse dropped after USE leaves the session without one, as in Snowflake.
  const inUse = state.warehouse !== null && state.warehouse !== '' && ctx.engine.access.warehouses.has(state.warehouse);
  if (!inUse && needsWarehouse(ctx.tokens)) throw sqlErrors.noActiveWarehouse();
}

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

export function needsWarehouse(tokens: readonly Token[]): boolean {
  const words = tokens.filter((t) => t.kind !== 'ws' && t.kind !== 'comment');
  const first = words[0];
  if (first === undefined) return false;
  const head = first.kind === 'word' ? first.upper : first.text;
  if (DML.has(head)) return true;
  if (head === 'SELECT' || head === 'WITH' || head === '(') return readsRows(words);
  if (head === 'CREATE') return words.some((t) => t.kind === 'word' && t.upper === 'SELECT') && readsRows(words);
  return false;
}

/**
 * Whether a query reads rows: a FROM at the top level or directly inside a subquery. A FROM inside a function
 * call (`EXTRACT(YEAR FROM d)`, `TRIM(BOTH 'x' FROM s)`) reads nothing.
 */
function readsRows(words: readonly Token[]): boolean {
  // For each open parenthesis: whether it opened a subquery (its first word is SELECT or WITH).
  const groups: boolean[] = [];
  for (let i = 0; i < words.length; i++) {
    const t = words[i] as Token;
    if (t.kind === 'op' && t.text === '(') {
      const next = words[i + 1];
      groups.push(next?.kind === 'word' && (next.upper === 'SELECT' || next.upper === 'WITH'));
    } else if (t.kind === 'op' && t.text === ')') groups.pop();
    else if (t.kind === 'word' && t.upper === 'FROM' && (groups.length === 0 || groups[groups.length - 1])) return true;
  }
  return false;
}
