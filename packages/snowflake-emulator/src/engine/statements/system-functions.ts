import { setTimeout as sleep } from 'node:timers/promises';
import { sqlErrors } from '../../errors.js';
import {
  autoRefreshStatusOf,
  listIcebergTablesFromCatalog,
  verifyCatalogIntegration,
} from '../../iceberg/catalog-functions.js';
import { isTrivia, type Token } from '../sql-lexer.js';
import { abortTransaction } from '../transactions.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';
import { identifierName, isIdentifierToken } from '../token-cursor.js';

interface SystemCall {
  name: string;
  args: string[];
  /** The column name Snowflake gives the call (its upper-cased text). */
  label: string;
}

/** Drops parentheses around the whole statement: `(SELECT ...)`. */
function unwrap(sig: Token[]): Token[] {
  while (sig[0]?.text === '(' && sig[sig.length - 1]?.text === ')') {
    let depth = 0;
    const closesAtEnd = sig.every((t, k) => {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      return depth > 0 || k === sig.length - 1;
    });
    if (!closesAtEnd) break;
    sig = sig.slice(1, -1);
  }
  return sig;
}

/**
 * `SELECT SYSTEM$F('a', 1) [[AS] alias]` / `CALL SYSTEM$F(...)`: a lone system
 * function call with literal arguments; an alias names the result column
 * (else Snowflake names it after the call's text).
 */
function systemCall(ctx: StatementContext): SystemCall | undefined {
  let sig = unwrap(ctx.tokens.filter((t) => !isTrivia(t)));
  let alias: string | undefined;
  const last = sig[sig.length - 1];
  if (sig[0]?.upper === 'SELECT' && last && isIdentifierToken(last) && sig[sig.length - 2]?.text !== '(') {
    alias = identifierName(last);
    sig = sig.slice(0, sig[sig.length - 2]?.upper === 'AS' ? -2 : -1);
  }
  const [verb, fn, open] = sig;
  if (!verb || !fn || !open || (verb.upper !== 'SELECT' && verb.upper !== 'CALL')) return undefined;
  if (fn.kind !== 'word' || !fn.upper.startsWith('SYSTEM$') || open.text !== '(') return undefined;
  const args: string[] = [];
  let k = 3;
  const close = sig[sig.length - 1] as Token;
  if (close.text !== ')') return undefined;
  while (k < sig.length - 1) {
    const t = sig[k] as Token;
    if (t.kind === 'string' || t.kind === 'number') args.push(t.value);
    else if (t.kind === 'op' && t.text === '-' && sig[k + 1]?.kind === 'number') {
      args.push(`-${(sig[k + 1] as Token).value}`);
      k++;
    } else return undefined;
    k++;
    if (k < sig.length - 1) {
      if (sig[k]?.text !== ',') return undefined;
      k++;
    }
  }
  const first = ctx.tokens.indexOf(fn);
  const label = ctx.tokens
    .slice(first, ctx.tokens.indexOf(close) + 1)
    .map((t) => (t.kind === 'quoted' ? t.text : isTrivia(t) ? ' ' : t.text.toUpperCase()))
    .join('')
    .replace(/\s+/g, ' ');
  return { name: fn.upper, args, label: alias ?? label };
}

export function isWaitCall(ctx: StatementContext): boolean {
  return systemCall(ctx)?.name === 'SYSTEM$WAIT';
}

export function isSystemFunctionQuery(ctx: StatementContext): boolean {
  return systemCall(ctx) !== undefined;
}

function textResult(label: string, value: string | null): StatementResult {
  return { columns: [col.text(label)], rows: [[value]], statementTypeId: StatementType.SELECT };
}

/** SYSTEM$WAIT(amount [, 'SECONDS' | 'MILLISECONDS' | 'MINUTES' | ...]): sleeps, cancelable. */
export async function systemWait(ctx: StatementContext): Promise<StatementResult> {
  const call = systemCall(ctx) as SystemCall;
  const amount = Number(call.args[0]);
  const unit = (call.args[1] ?? 'SECONDS').toUpperCase();
  const factor: Record<string, number> = {
    SECONDS: 1000,
    MILLISECONDS: 1,
    MICROSECONDS: 0.001,
    NANOSECONDS: 0.000001,
    MINUTES: 60_000,
    HOURS: 3_600_000,
  };
  if (!Number.isFinite(amount) || factor[unit] === undefined)
    throw sqlErrors.invalidValue(`invalid argument for SYSTEM$WAIT: ${call.args.join(', ')}`);
  try {
    await sleep(amount * (factor[unit] as number), undefined, { signal: ctx.signal });
  } catch {
    throw sqlErrors.canceled();
  }
  return textResult(call.label, `waited ${call.args[0]} ${unit.toLowerCase()}`);
}

/** SYSTEM$ functions the emulator implements. */
export async function callSystemFunction(ctx: StatementContext): Promise<StatementResult> {
  const call = systemCall(ctx);
  if (!call) return ctx.cursor.fail(ctx.cursor.peek());
  switch (call.name) {
    case 'SYSTEM$VERIFY_CATALOG_INTEGRATION':
      return textResult(call.label, await verifyCatalogIntegration(ctx, call.args[0] ?? ''));
    case 'SYSTEM$LIST_ICEBERG_TABLES_FROM_CATALOG':
      return textResult(
        call.label,
        await listIcebergTablesFromCatalog(
          ctx,
          call.args[0] ?? '',
          call.args[1],
          call.args[2] === undefined ? undefined : Number(call.args[2]),
        ),
      );
    case 'SYSTEM$AUTO_REFRESH_STATUS':
      return textResult(call.label, autoRefreshStatusOf(ctx, call.args[0] ?? ''));
    case 'SYSTEM$CANCEL_QUERY': {
      const id = call.args[0] ?? '';
      const canceled = ctx.engine.hooks.cancelQuery(id);
      if (!canceled) throw sqlErrors.executionError(`Identified SQL statement is not currently executing.`, '000605');
      return textResult(call.label, `query [${id}] terminated.`);
    }
    case 'SYSTEM$WAIT':
      return systemWait(ctx);
    case 'SYSTEM$ABORT_TRANSACTION':
      return abortTransaction(ctx, call.args[0] ?? '', call.label);
    default:
      throw sqlErrors.unknownFunction(call.name);
  }
}
