import { displayQualified, SnowflakeError, sqlErrors } from '../../errors.js';
import { resultFromDuck, runDuck } from '../duck-results.js';
import type { LoadEvent } from '../load-metadata.js';
import { resolveTable } from '../name-resolution.js';
import { isTrivia, quoteString, type Token, textOf, tokenize } from '../sql-lexer.js';
import type { StatementContext } from '../statement-context.js';
import { type StatementResult, StatementType } from '../statement-result.js';
import { identifierName, isIdentifierToken } from '../token-cursor.js';
import { translateQuery } from '../translate-query.js';

/**
 * The columns of Snowflake's INFORMATION_SCHEMA.COPY_HISTORY table function,
 * in its documented order, with the Snowflake type each is cast to.
 * https://docs.snowflake.com/en/sql-reference/functions/copy_history ("Output")
 */
const COLUMNS: [name: string, type: string][] = [
  ['FILE_NAME', 'VARCHAR'],
  ['STAGE_LOCATION', 'VARCHAR'],
  ['LAST_LOAD_TIME', 'TIMESTAMP_LTZ'],
  ['ROW_COUNT', 'NUMBER(38,0)'],
  ['ROW_PARSED', 'NUMBER(38,0)'],
  ['FILE_SIZE', 'NUMBER(38,0)'],
  ['FIRST_ERROR_MESSAGE', 'VARCHAR'],
  ['FIRST_ERROR_LINE_NUMBER', 'NUMBER(38,0)'],
  ['FIRST_ERROR_CHARACTER_POS', 'NUMBER(38,0)'],
  ['FIRST_ERROR_COLUMN_NAME', 'VARCHAR'],
  ['ERROR_COUNT', 'NUMBER(38,0)'],
  ['ERROR_LIMIT', 'NUMBER(38,0)'],
  ['STATUS', 'VARCHAR'],
  ['TABLE_CATALOG_NAME', 'VARCHAR'],
  ['TABLE_SCHEMA_NAME', 'VARCHAR'],
  ['TABLE_NAME', 'VARCHAR'],
  ['PIPE_CATALOG_NAME', 'VARCHAR'],
  ['PIPE_SCHEMA_NAME', 'VARCHAR'],
  ['PIPE_NAME', 'VARCHAR'],
  ['PIPE_RECEIVED_TIME', 'TIMESTAMP_LTZ'],
  ['BYTES_BILLED', 'NUMBER(38,0)'],
];

/** Where `[db.]INFORMATION_SCHEMA.COPY_HISTORY( ... )` sits in the statement's significant tokens. */
interface CallSite {
  /** Index (in `sig`) of the `TABLE` keyword. */
  tableStart: number;
  /** Index of the `)` closing `TABLE(`. */
  tableEnd: number;
  /** The database qualifying INFORMATION_SCHEMA, if any. */
  database: string | null;
  /** Named arguments: upper-cased name -> the tokens of its value. */
  args: Map<string, Token[]>;
}

function significant(ctx: StatementContext): Token[] {
  return ctx.tokens.filter((t) => !isTrivia(t));
}

/** `... TABLE( [[db.]INFORMATION_SCHEMA.]COPY_HISTORY( ... ) ) ...` */
export function mentionsCopyHistory(ctx: StatementContext): boolean {
  return significant(ctx).some(
    (t, k, sig) => t.kind === 'word' && t.upper === 'COPY_HISTORY' && sig[k + 1]?.text === '(',
  );
}

/** The index of the `)` matching the `(` at `open`. */
function closing(sig: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < sig.length; k++) {
    if (sig[k]?.text === '(') depth++;
    else if (sig[k]?.text === ')' && --depth === 0) return k;
  }
  throw sqlErrors.syntax(`syntax error line 1 at position ${sig[open]?.pos ?? 0} unexpected '<EOF>'.`);
}

function findCallSite(sig: readonly Token[]): CallSite {
  const fn = sig.findIndex((t, k) => t.kind === 'word' && t.upper === 'COPY_HISTORY' && sig[k + 1]?.text === '(');
  let start = fn;
  let database: string | null = null;
  if (sig[fn - 1]?.text === '.' && sig[fn - 2]?.upper === 'INFORMATION_SCHEMA') {
    start = fn - 2;
    if (sig[fn - 3]?.text === '.' && isIdentifierToken(sig[fn - 4])) {
      database = identifierName(sig[fn - 4] as Token);
      start = fn - 4;
    }
  }
  if (sig[start - 1]?.text !== '(' || sig[start - 2]?.upper !== 'TABLE')
    throw sqlErrors.unsupported('COPY_HISTORY outside of FROM TABLE(...)');
  const tableStart = start - 2;
  const callEnd = closing(sig, fn + 1);
  const tableEnd = closing(sig, start - 1);
  if (tableEnd !== callEnd + 1) throw sqlErrors.unsupported('COPY_HISTORY inside an expression');
  const args = new Map<string, Token[]>();
  let k = fn + 2;
  while (k < callEnd) {
    const name = sig[k];
    if (!isIdentifierToken(name) || sig[k + 1]?.text !== '=>')
      throw sqlErrors.unexpected(name?.text ?? '<EOF>', name?.pos ?? 0);
    k += 2;
    const value: Token[] = [];
    let depth = 0;
    for (; k < callEnd; k++) {
      const t = sig[k] as Token;
      if (depth === 0 && t.text === ',') break;
      if (t.text === '(') depth++;
      if (t.text === ')') depth--;
      value.push(t);
    }
    args.set(identifierName(name).toUpperCase(), value);
    k++;
  }
  return { tableStart, tableEnd, database, args };
}

const UNIT_MS: Record<string, number> = {
  WEEK: 604_800_000,
  DAY: 86_400_000,
  HOUR: 3_600_000,
  MINUTE: 60_000,
  SECOND: 1000,
  MILLISECOND: 1,
};

/** Snowflake's date part names and abbreviations (for DATEADD). */
const UNIT_ALIASES: Record<string, string> = {
  YEAR: 'YEAR',
  YEARS: 'YEAR',
  Y: 'YEAR',
  YY: 'YEAR',
  YYY: 'YEAR',
  YYYY: 'YEAR',
  YR: 'YEAR',
  YRS: 'YEAR',
  QUARTER: 'QUARTER',
  QUARTERS: 'QUARTER',
  Q: 'QUARTER',
  QTR: 'QUARTER',
  QTRS: 'QUARTER',
  MONTH: 'MONTH',
  MONTHS: 'MONTH',
  MM: 'MONTH',
  MON: 'MONTH',
  MONS: 'MONTH',
  WEEK: 'WEEK',
  WEEKS: 'WEEK',
  W: 'WEEK',
  WK: 'WEEK',
  WEEKOFYEAR: 'WEEK',
  WOY: 'WEEK',
  WY: 'WEEK',
  DAY: 'DAY',
  DAYS: 'DAY',
  D: 'DAY',
  DD: 'DAY',
  DAYOFMONTH: 'DAY',
  HOUR: 'HOUR',
  HOURS: 'HOUR',
  H: 'HOUR',
  HH: 'HOUR',
  HR: 'HOUR',
  HRS: 'HOUR',
  MINUTE: 'MINUTE',
  MINUTES: 'MINUTE',
  M: 'MINUTE',
  MI: 'MINUTE',
  MIN: 'MINUTE',
  MINS: 'MINUTE',
  SECOND: 'SECOND',
  SECONDS: 'SECOND',
  S: 'SECOND',
  SEC: 'SECOND',
  SECS: 'SECOND',
  MILLISECOND: 'MILLISECOND',
  MILLISECONDS: 'MILLISECOND',
  MS: 'MILLISECOND',
  MSEC: 'MILLISECOND',
};

const NOW_FUNCTIONS = new Set(['CURRENT_TIMESTAMP', 'SYSDATE', 'GETDATE', 'SYSTIMESTAMP', 'LOCALTIMESTAMP']);

/** Splits `a, b, c` at top-level commas. */
function splitArgs(tokens: readonly Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (depth === 0 && t.text === ',') {
      parts.push([]);
      continue;
    }
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    (parts[parts.length - 1] as Token[]).push(t);
  }
  return parts;
}

function addToDate(base: Date, unit: string, amount: number): Date {
  const out = new Date(base.getTime());
  if (unit === 'YEAR') out.setUTCFullYear(out.getUTCFullYear() + amount);
  else if (unit === 'QUARTER') out.setUTCMonth(out.getUTCMonth() + 3 * amount);
  else if (unit === 'MONTH') out.setUTCMonth(out.getUTCMonth() + amount);
  else out.setTime(out.getTime() + amount * (UNIT_MS[unit] as number));
  return out;
}

/**
 * A constant timestamp expression (START_TIME / END_TIME): CURRENT_TIMESTAMP()
 * and friends read the engine's clock (the one COPY stamps LAST_LOAD_TIME
 * with), DATEADD / TIMESTAMPADD are applied here, and anything else (literals,
 * casts, TO_TIMESTAMP_LTZ(...)) is evaluated by DuckDB after translation.
 */
async function evaluateTime(ctx: StatementContext, tokens: Token[]): Promise<Date> {
  let expr = tokens;
  while (expr[0]?.text === '(' && closing(expr, 0) === expr.length - 1) expr = expr.slice(1, -1);
  const head = expr[0];
  if (head?.kind === 'word' && NOW_FUNCTIONS.has(head.upper)) {
    if (expr.length === 1 || (expr.length === 3 && expr[1]?.text === '(' && expr[2]?.text === ')'))
      return ctx.engine.clock();
  }
  if (
    head?.kind === 'word' &&
    ['DATEADD', 'TIMESTAMPADD', 'TIMEADD'].includes(head.upper) &&
    expr[1]?.text === '(' &&
    closing(expr, 1) === expr.length - 1
  ) {
    const [unitTokens, amountTokens, baseTokens, ...extra] = splitArgs(expr.slice(2, -1));
    const unitToken = unitTokens?.[0];
    const unit = unitToken
      ? UNIT_ALIASES[(unitToken.kind === 'string' ? unitToken.value : unitToken.text).toUpperCase()]
      : undefined;
    if (!unit || unitTokens?.length !== 1 || !amountTokens || !baseTokens || extra.length > 0)
      throw sqlErrors.invalidValue(`invalid argument for ${head.upper}: ${textOf(expr)}`);
    const amount = await evaluateNumber(ctx, amountTokens);
    return addToDate(await evaluateTime(ctx, baseTokens), unit, amount);
  }
  const value = await evaluateInDuck(
    ctx,
    expr,
    (sql) => `SELECT epoch_ms(CAST(v AS TIMESTAMPTZ)) FROM (${sql}) AS t(v)`,
  );
  if (value === null) throw sqlErrors.invalidValue(`invalid timestamp: ${textOf(expr)}`);
  return new Date(Number(value));
}

async function evaluateNumber(ctx: StatementContext, tokens: Token[]): Promise<number> {
  const text = textOf(tokens).replace(/\s+/g, '');
  if (/^[-+]?\d+(\.\d+)?$/.test(text)) return Number(text);
  const value = await evaluateInDuck(ctx, tokens, (sql) => `SELECT CAST(v AS DOUBLE) FROM (${sql}) AS t(v)`);
  if (value === null) throw sqlErrors.invalidValue(`invalid number: ${textOf(tokens)}`);
  return Number(value);
}

/** `SELECT <expr>` translated to DuckDB, wrapped by `wrap`, run; its single value. */
async function evaluateInDuck(ctx: StatementContext, expr: Token[], wrap: (sql: string) => string): Promise<unknown> {
  const tokens = [...tokenize('SELECT '), ...expr];
  const translated = translateQuery(
    tokens,
    {
      catalog: ctx.engine.catalog,
      session: ctx.session.state,
      contextFunctions: ctx.engine.contextFunctions(ctx.session),
    },
    false,
  );
  const result = await runDuck(ctx.session.connection, wrap(translated.sql), ctx.signal);
  const rows = (await result.getRows()) as unknown[][];
  return rows[0]?.[0] ?? null;
}

function literal(value: string | number | Date | null, type: string): string {
  if (value === null) return `NULL::${type}`;
  if (value instanceof Date) return `${quoteString(value.toISOString())}::${type}`;
  if (typeof value === 'number') return `${value}::${type}`;
  return `${quoteString(value)}::${type}`;
}

/** The history rows as a Snowflake subquery (cast per column so the types hold with no rows too). */
function historySubquery(events: LoadEvent[], table: [string, string, string]): string {
  const row = (values: (string | number | Date | null)[]) =>
    `SELECT ${COLUMNS.map(([name, type], i) => `${literal(values[i] ?? null, type)} AS ${name}`).join(', ')}`;
  if (events.length === 0) return `(${row([])} WHERE 1 = 0)`;
  const rows = events.map((e) =>
    row([
      e.fileName,
      e.stageLocation,
      e.lastLoadTime,
      e.rowCount,
      e.rowParsed,
      e.fileSize,
      e.firstErrorMessage,
      e.firstErrorLineNumber,
      e.firstErrorCharacterPos,
      e.firstErrorColumnName,
      e.errorCount,
      e.errorLimit,
      e.status,
      table[0],
      table[1],
      table[2],
      null,
      null,
      null,
      null,
      null,
    ]),
  );
  return `(${rows.join(' UNION ALL ')})`;
}

/** The string argument `name` (a string literal), or undefined when absent. */
function stringArg(site: CallSite, name: string): string | undefined {
  const value = site.args.get(name);
  if (value === undefined) return undefined;
  const [only, ...rest] = value;
  if (only?.kind !== 'string' || rest.length > 0)
    throw sqlErrors.invalidValue(
      `argument ${name} to function COPY_HISTORY needs to be constant, found '${textOf(value)}'`,
    );
  return only.value;
}

/**
 * `SELECT ... FROM TABLE([db.]INFORMATION_SCHEMA.COPY_HISTORY(
 *    TABLE_NAME => '<name>', START_TIME => <expr> [, END_TIME => <expr>] [, PIPE_NAME => '<pipe>']))`
 *
 * The load events COPY INTO recorded for the table (keyed by the table's
 * identity, so they follow it through ALTER TABLE ... SWAP WITH), with
 * LAST_LOAD_TIME in [START_TIME, END_TIME] (END_TIME defaults to now). A
 * relative TABLE_NAME is resolved in the function's database and the
 * session's schema. The rest of the query (select list, WHERE, ORDER BY)
 * runs on DuckDB over those rows.
 */
export async function copyHistoryQuery(ctx: StatementContext): Promise<StatementResult> {
  const sig = significant(ctx);
  const site = findCallSite(sig);
  const session = ctx.session.state;
  const database = site.database ?? session.database;
  if (database === null) throw sqlErrors.noCurrentDatabase('COPY_HISTORY');
  if (!ctx.engine.catalog.databases.has(database)) throw sqlErrors.databaseMissing(database);
  const tableName = stringArg(site, 'TABLE_NAME');
  const start = site.args.get('START_TIME');
  if (tableName === undefined || start === undefined)
    throw new SnowflakeError(
      '002127',
      '42601',
      `SQL compilation error:\nerror line 0 at position -1 Required argument '${tableName === undefined ? 'TABLE_NAME' : 'START_TIME'}' not provided for function COPY_HISTORY.`,
    );
  const nameTokens = tokenize(tableName).filter((t) => !isTrivia(t));
  const parts = nameTokens.filter(isIdentifierToken).map(identifierName);
  if (parts.length === 0 || parts.length > 3 || nameTokens.length !== 2 * parts.length - 1)
    throw sqlErrors.invalidValue(`invalid value '${tableName}' for argument TABLE_NAME of function COPY_HISTORY`);
  const qualified =
    parts.length === 3
      ? parts
      : parts.length === 2
        ? [database, ...parts]
        : [database, session.schema ?? 'PUBLIC', ...parts];
  let found: ReturnType<typeof resolveTable>;
  try {
    found = resolveTable(ctx.engine.catalog, session, qualified);
  } catch (err) {
    if ((err as { code?: string }).code !== '002003') throw err;
    throw new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nTable '${displayQualified(qualified)}' does not exist or not authorized.`,
    );
  }
  const from = await evaluateTime(ctx, start);
  const endTokens = site.args.get('END_TIME');
  const to = endTokens ? await evaluateTime(ctx, endTokens) : ctx.engine.clock();
  const pipe = stringArg(site, 'PIPE_NAME');
  const events =
    pipe === undefined
      ? ctx.engine.loadMetadata
          .history(found.table.id)
          .filter((e) => e.lastLoadTime.getTime() >= from.getTime() && e.lastLoadTime.getTime() <= to.getTime())
      : []; // COPY INTO loads have no pipe.

  const subquery = tokenize(historySubquery(events, found.ref.qualified));
  const startIndex = ctx.tokens.indexOf(sig[site.tableStart] as Token);
  const endIndex = ctx.tokens.indexOf(sig[site.tableEnd] as Token);
  const tokens = [...ctx.tokens.slice(0, startIndex), ...subquery, ...ctx.tokens.slice(endIndex + 1)];
  const translated = translateQuery(
    tokens,
    {
      catalog: ctx.engine.catalog,
      session,
      contextFunctions: ctx.engine.contextFunctions(ctx.session),
    },
    true,
  );
  const result = await runDuck(ctx.session.connection, translated.sql, ctx.signal);
  return resultFromDuck(result, translated.tables, StatementType.SELECT);
}
