import type { Catalog, TableEntry } from './catalog.js';
import { FUNCTION_RENAMES } from './duckdb-functions.js';
import { resolveTable } from './name-resolution.js';
import { type SessionState, sessionParameter, timestampMapping } from './session-state.js';
import { isTimestampFunctionName, isTimestampTypeName, normalizeTimestampLiteral } from './timestamp-literals.js';
import { duckIdent, duckString, isTrivia, type Token, tokenize } from './sql-lexer.js';
import { identifierName, isIdentifierToken } from './token-cursor.js';
import { type DateTimeKind, dateTimeFormatArgs, strptimePattern } from './date-time-input.js';
import { type TimestampKind, timestampConversionFunction, TZ_UTC_FIELD } from './timestamp-tz.js';
import { type ColumnType, columnTypeFromName } from './type-mapping.js';
import { DATE_PART_FUNCTIONS, datePartMacro, datePartNamed } from './date-parts.js';
import { isNumericFormat, strftimeFormat } from './format-models.js';
import { sqlErrors } from '../errors.js';
import { semiStructuredKind, type SemiStructuredKind } from './semi-structured-kinds.js';
import { DEFAULT_FLATTEN_OPTIONS, flattenMode, flattenSubquery } from './flatten.js';
import { decimalDivisionText, type OperandTyping, staticNumericType } from './numeric-division.js';

/**
 * Rewrites a Snowflake query (SELECT / INSERT / UPDATE / DELETE / MERGE) into
 * DuckDB SQL:
 * - table references are resolved with Snowflake's identifier rules against
 *   the emulator's catalog (missing ones fail with 002003) and replaced by
 *   their physical DuckDB tables, aliased by their Snowflake name;
 * - string literals and quoted identifiers are re-encoded for DuckDB;
 * - Snowflake types in casts and a few Snowflake functions are mapped;
 * - CURRENT_DATABASE() and friends become literals from the session;
 * - top-level select items get Snowflake's column names (unquoted names and
 *   expressions upper-cased: `count(*)` -> `COUNT(*)`).
 */
export interface TranslationContext {
  catalog: Catalog;
  session: SessionState;
  /** Values for CURRENT_*() functions. */
  contextFunctions: Record<string, string | null>;
}

export interface TranslatedQuery {
  sql: string;
  tables: TableEntry[];
  /** Result columns (by name) that are OBJECT or ARRAY though DuckDB says JSON. */
  semiStructuredColumns: Map<string, SemiStructuredKind>;
}

const CLAUSE_END = new Set([
  'WHERE',
  'GROUP',
  'HAVING',
  'QUALIFY',
  'ORDER',
  'LIMIT',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'MINUS',
  'WINDOW',
  'SET',
  'ON',
  'OFFSET',
  'FETCH',
  'SELECT',
  'VALUES',
  'WHEN',
]);

const NOT_TABLE_WORDS = new Set(['SELECT', 'LATERAL', 'TABLE', 'VALUES', 'WITH', 'UNNEST', 'OVERWRITE']);

const ALIAS_STOP = new Set([
  'WHERE',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'OUTER',
  'CROSS',
  'NATURAL',
  'ON',
  'USING',
  'GROUP',
  'ORDER',
  'HAVING',
  'QUALIFY',
  'LIMIT',
  'OFFSET',
  'FETCH',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'MINUS',
  'WINDOW',
  'SET',
  'VALUES',
  'SELECT',
  'WHEN',
  'CHANGES',
  'SAMPLE',
  'TABLESAMPLE',
  'PIVOT',
  'UNPIVOT',
  'MATCH_RECOGNIZE',
  'LATERAL',
  'DEFAULT',
  'WITH',
  'RETURNING',
  'ASOF',
  'BY',
]);

/**
 * AT and BEFORE start Snowflake's time-travel clause only as `AT(` / `BEFORE(`
 * right after a table reference
 * (https://docs.snowflake.com/en/sql-reference/constructs/at-before); anywhere
 * else they are ordinary identifiers (neither is in Snowflake's reserved
 * keywords, https://docs.snowflake.com/en/sql-reference/reserved-keywords).
 */
const TIME_TRAVEL_WORDS = new Set(['AT', 'BEFORE']);

/** Whether the token after a table reference (or its AS) starts an alias. */
function startsAlias(next: Token | undefined, after: Token | undefined): boolean {
  if (next === undefined) return false;
  if (next.kind === 'quoted') return true;
  if (next.kind !== 'word') return false;
  if (TIME_TRAVEL_WORDS.has(next.upper)) return after?.text !== '(';
  return !ALIAS_STOP.has(next.upper);
}

/**
 * Words Snowflake lets a column or alias be named unquoted but DuckDB's parser
 * takes as keywords wherever an expression may stand (`AT TIME ZONE`), so
 * `select at from t` would not parse. They reach DuckDB quoted; DuckDB matches
 * quoted names without regard to case, as it does unquoted ones.
 */
const DUCKDB_EXPRESSION_KEYWORDS = new Set(['AT']);

const FROM_INSIDE_FUNCTIONS = new Set(['EXTRACT', 'TRIM', 'SUBSTRING', 'SUBSTR', 'POSITION', 'OVERLAY', 'DATE_PART']);

const SELECT_END = new Set([
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'QUALIFY',
  'ORDER',
  'LIMIT',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'MINUS',
  'WINDOW',
  'INTO',
  'FETCH',
  'OFFSET',
]);

const NOT_ALIAS_WORDS = new Set(['END', 'NULL', 'TRUE', 'FALSE', 'ASC', 'DESC']);

const NOT_BEFORE_ALIAS = new Set([
  'NOT',
  'AND',
  'OR',
  'IS',
  'LIKE',
  'ILIKE',
  'RLIKE',
  'IN',
  'BETWEEN',
  'DISTINCT',
  'INTERVAL',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'SELECT',
  'AS',
  'BY',
  'EXISTS',
  'ALL',
  'ANY',
  'SOME',
  'DATE',
  'TIMESTAMP',
  'TIME',
]);

export const CONTEXT_FUNCTIONS = [
  'CURRENT_DATABASE',
  'CURRENT_SCHEMA',
  'CURRENT_WAREHOUSE',
  'CURRENT_ROLE',
  'CURRENT_USER',
  'CURRENT_ACCOUNT',
  'CURRENT_ACCOUNT_NAME',
  'CURRENT_ORGANIZATION_NAME',
  'CURRENT_REGION',
  'CURRENT_VERSION',
  'CURRENT_SESSION',
  'CURRENT_CLIENT',
  'CURRENT_STATEMENT',
  'LAST_QUERY_ID',
  'CURRENT_SECONDARY_ROLES',
  'CURRENT_AVAILABLE_ROLES',
] as const;

const TYPED_LITERAL_WORDS = new Set(['DATE', 'TIME']);

function isDateTime(kind: string): kind is DateTimeKind {
  return kind === 'date' || kind === 'time';
}

/** Calls that read a date or time from text by DATE_INPUT_FORMAT / TIME_INPUT_FORMAT or a format argument. */
const DATE_TIME_FUNCTIONS: Record<string, { kind: DateTimeKind; isTry: boolean }> = {
  TO_DATE: { kind: 'date', isTry: false },
  DATE: { kind: 'date', isTry: false },
  TRY_TO_DATE: { kind: 'date', isTry: true },
  TO_TIME: { kind: 'time', isTry: false },
  TIME: { kind: 'time', isTry: false },
  TRY_TO_TIME: { kind: 'time', isTry: true },
};

function isTypedLiteralWord(upper: string | undefined): boolean {
  return upper !== undefined && (TYPED_LITERAL_WORDS.has(upper) || isTimestampTypeName(upper));
}

function emit(t: Token): string {
  switch (t.kind) {
    case 'comment':
      return ' ';
    case 'string':
      return duckString(t.value);
    case 'quoted':
      return duckIdent(t.value);
    default:
      return t.text;
  }
}

/** Names defined by a leading WITH clause (they are not catalog tables). */
function cteNames(sig: Token[]): Set<string> {
  const names = new Set<string>();
  let k = 0;
  if (sig[k]?.upper !== 'WITH') return names;
  k++;
  if (sig[k]?.upper === 'RECURSIVE') k++;
  while (isIdentifierToken(sig[k])) {
    names.add(identifierName(sig[k] as Token).toUpperCase());
    k++;
    const skipParens = () => {
      if (sig[k]?.text !== '(') return;
      let depth = 0;
      do {
        if (sig[k]?.text === '(') depth++;
        else if (sig[k]?.text === ')') depth--;
        k++;
      } while (k < sig.length && depth > 0);
    };
    skipParens();
    if (sig[k]?.upper !== 'AS') break;
    k++;
    skipParens();
    if (sig[k]?.text !== ',') break;
    k++;
  }
  return names;
}

/** A Snowflake display name for a select item's source text. */
function expressionName(tokens: Token[]): string {
  return tokens
    .map((t) => (t.kind === 'quoted' ? t.text : isTrivia(t) ? ' ' : t.text.toUpperCase()))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

export function translateQuery(
  tokens: readonly Token[],
  ctx: TranslationContext,
  aliasSelectList: boolean,
): TranslatedQuery {
  const out = tokens.map(emit);
  const sigIndex: number[] = [];
  tokens.forEach((t, i) => {
    if (!isTrivia(t)) sigIndex.push(i);
  });
  const sig = sigIndex.map((i) => tokens[i] as Token);
  const S = (k: number): Token | undefined => sig[k];
  const setOut = (k: number, text: string) => {
    out[sigIndex[k] as number] = text;
  };
  /** Blanks the source from significant token `from` through `to` (inclusive, trivia between too). */
  const blank = (from: number, to: number) => {
    for (let i = sigIndex[from] as number; i <= (sigIndex[to] as number); i++) out[i] = '';
  };
  const ctes = cteNames(sig);
  /** Extra closing text after a significant token (the `)` of a rewritten CAST). */
  const closers = new Map<number, string>();
  /** DATEADD / DATEDIFF calls, revisited once the tables (and so column types) are known. */
  const datePartCalls: { k: number; fn: 'add' | 'diff'; macro: string }[] = [];
  /** The `=` of UPDATE / MERGE SET assignments, which are not comparisons. */
  const assignments = new Set<number>();
  const tables: TableEntry[] = [];
  /** LISTAGG / ARRAY_AGG calls whose WITHIN GROUP (ORDER BY …) moves inside the call (significant-token indices). */
  const withinGroups: { close: number; orderFrom: number; orderTo: number; extraArguments: string; closing: string }[] =
    [];
  let insertTarget_: { table: TableEntry; end: number } | undefined;

  /** Resolves a table reference at `k`; returns the index after it (and its alias). */
  const tableRef = (k: number, insertTarget = false): number => {
    const t = S(k);
    if (!t) return k;
    let parts: string[];
    let j: number;
    if (
      t.kind === 'word' &&
      t.upper === 'IDENTIFIER' &&
      S(k + 1)?.text === '(' &&
      S(k + 2)?.kind === 'string' &&
      S(k + 3)?.text === ')'
    ) {
      const inner = tokenize((S(k + 2) as Token).value).filter((x) => !isTrivia(x));
      parts = inner.filter(isIdentifierToken).map(identifierName);
      j = k + 4;
    } else if (isIdentifierToken(t) && !(t.kind === 'word' && NOT_TABLE_WORDS.has(t.upper))) {
      parts = [identifierName(t)];
      j = k + 1;
      while (S(j)?.text === '.' && isIdentifierToken(S(j + 1)) && parts.length < 3) {
        parts.push(identifierName(S(j + 1) as Token));
        j += 2;
      }
      if (S(j)?.text === '(' && !insertTarget) return k;
    } else return k;
    if (parts.length === 1 && ctes.has((parts[0] as string).toUpperCase())) return j;
    const { table } = resolveTable(ctx.catalog, ctx.session, parts);
    tables.push(table);
    const next = S(j);
    const hasAlias = (next?.kind === 'word' && next.upper === 'AS') || startsAlias(next, S(j + 1));
    blank(k, j - 1);
    setOut(k, hasAlias || insertTarget ? table.physical : `${table.physical} AS ${duckIdent(table.name)}`);
    if (insertTarget && !insertTarget_) insertTarget_ = { table, end: j };
    return j;
  };

  let depth = 0;
  const parenFunctions: (string | null)[] = [];
  const parenOpen: number[] = [];
  const fromActive: boolean[] = [];
  for (let k = 0; k < sig.length; k++) {
    const t = sig[k] as Token;
    const prev = S(k - 1);
    if (t.kind === 'string') {
      if (isTimestampLiteral(k)) setOut(k, duckString(normalizeTimestampLiteral(t.value)));
      continue;
    }
    if (t.kind === 'op') {
      if (t.text === '(') {
        parenFunctions.push(prev?.kind === 'word' ? prev.upper : null);
        parenOpen.push(k);
        depth++;
      } else if (t.text === ')') {
        parenFunctions.pop();
        parenOpen.pop();
        fromActive[depth] = false;
        depth--;
      } else if (t.text === ',' && fromActive[depth]) {
        k = tableRef(k + 1) - 1;
      } else if (t.text === ':' && prev !== undefined) {
        k = semiStructuredPath(k);
      } else if (t.text === '[' && prev !== undefined && (prev.text === ')' || isIdentifierToken(prev))) {
        // v['key'] / v[0] on a VARIANT column: the same path as v:key / v:[0].
        k = semiStructuredPath(k);
      } else if (t.text === '::') {
        const target = conversionTarget(k + 1);
        if (target) {
          wrap(operandStart(k), k - 1, target.kind);
          blank(k, target.end - 1);
          k = target.end - 1;
        } else k = mapType(k + 1) - 1;
      }
      continue;
    }
    if (t.kind !== 'word') continue;
    const word = t.upper;
    if (DUCKDB_EXPRESSION_KEYWORDS.has(word) && S(k + 1)?.text !== '(') {
      setOut(k, duckIdent(word));
      continue;
    }
    if (CLAUSE_END.has(word)) fromActive[depth] = false;
    if (word === 'MINUS') setOut(k, 'EXCEPT');
    if (word === 'FROM' || word === 'JOIN' || word === 'INTO' || word === 'UPDATE' || word === 'USING') {
      if (
        word === 'FROM' &&
        (prev?.upper === 'DISTINCT' || FROM_INSIDE_FUNCTIONS.has(parenFunctions[parenFunctions.length - 1] ?? ''))
      )
        continue;
      if (word === 'INTO' && S(k + 1)?.upper === 'OVERWRITE') continue;
      // MERGE's `WHEN MATCHED THEN UPDATE SET …` names no table.
      if (word === 'UPDATE' && prev?.upper === 'THEN') continue;
      fromActive[depth] = word === 'FROM';
      k = tableRef(k + 1, word === 'INTO' && prev?.upper !== 'MERGE') - 1;
      continue;
    }
    if (
      word === 'AS' &&
      (parenFunctions[parenFunctions.length - 1] === 'CAST' || parenFunctions[parenFunctions.length - 1] === 'TRY_CAST')
    ) {
      const target = conversionTarget(k + 1);
      const open = parenOpen[parenOpen.length - 1];
      if (target && open !== undefined) {
        // CAST(x AS TIMESTAMP_TZ) -> sf_tz_from_text(CAST(x AS VARCHAR)); TRY_CAST under TRY().
        const isTry = parenFunctions[parenFunctions.length - 1] === 'TRY_CAST';
        const [prefix, suffix] = conversionParts(target.kind, undefined, !isTry);
        const tryWrap = isTry && !isDateTime(target.kind);
        setOut(open - 1, `${tryWrap ? 'TRY(' : ''}${prefix.slice(0, -1)}`);
        setOut(k, 'AS VARCHAR');
        blank(k + 1, target.end - 1);
        closers.set(matchingClose(open), `${suffix.slice(' AS VARCHAR)'.length)}${tryWrap ? ')' : ''}`);
        k = target.end - 1;
        continue;
      }
      k = mapType(k + 1) - 1;
      continue;
    }
    if (isTypedLiteralWord(word) && S(k + 1)?.kind === 'string' && prev?.text !== '::' && prev?.upper !== 'AS') {
      // A typed literal: TIMESTAMP_TZ '2024-01-15 10:00:00 +01:00', DATE '2024-01-15'.
      const target = conversionTarget(k);
      if (target) {
        blank(k, k);
        wrap(k + 1, k + 1, target.kind);
        k++;
        continue;
      }
    }
    if (word === 'VALUES' && S(k + 1)?.text === '(' && (prev?.upper === 'FROM' || prev?.upper === 'JOIN')) {
      valuesTable(k);
      continue;
    }
    if ((word === 'FLATTEN' || word === 'GENERATOR') && S(k + 1)?.text === '(') {
      if (word === 'FLATTEN' ? flattenCall(k) : generatorCall(k)) continue;
    }
    if (S(k + 1)?.text === '(' && prev?.text !== '.' && callRewrite(k, word)) continue;
    const dateFunction = DATE_TIME_FUNCTIONS[word];
    if (dateFunction && S(k + 1)?.text === '(' && prev?.text !== '.' && prev?.text !== '::') {
      k = dateTimeCall(k, dateFunction);
      continue;
    }
    if (S(k + 1)?.text === '(' && prev?.text !== '.') {
      if ((CONTEXT_FUNCTIONS as readonly string[]).includes(word) && S(k + 2)?.text === ')') {
        const value = ctx.contextFunctions[word] ?? null;
        blank(k, k + 2);
        setOut(k, value === null ? 'CAST(NULL AS VARCHAR)' : duckString(value));
        k += 2;
        continue;
      }
      if (word === 'CURRENT_DATE' && S(k + 2)?.text === ')') {
        blank(k, k + 2);
        setOut(k, 'current_date');
        k += 2;
        continue;
      }
      const rename = FUNCTION_RENAMES[word];
      if (rename) setOut(k, rename);
    }
  }

  /** A string read as a timestamp: `'…'::TIMESTAMP_TZ`, `TIMESTAMP '…'`, `CAST('…' AS …)`, `TO_TIMESTAMP('…')`. */
  function isTimestampLiteral(k: number): boolean {
    const prev = S(k - 1);
    if (prev?.kind === 'word' && isTimestampTypeName(prev.upper)) return true;
    if (S(k + 1)?.text === '::' && isTimestampTypeName(S(k + 2)?.upper)) return true;
    if (prev?.text !== '(') return false;
    const callee = S(k - 2)?.upper;
    if (isTimestampFunctionName(callee)) return true;
    return (
      (callee === 'CAST' || callee === 'TRY_CAST') && S(k + 1)?.upper === 'AS' && isTimestampTypeName(S(k + 2)?.upper)
    );
  }

  function mapType(k: number): number {
    const t = S(k);
    if (t?.kind !== 'word') return k;
    let j = k + 1;
    const args: number[] = [];
    if (S(j)?.text === '(') {
      let m = j + 1;
      while (S(m)?.kind === 'number') {
        args.push(Number((S(m) as Token).text));
        m++;
        if (S(m)?.text === ',') m++;
      }
      if (S(m)?.text !== ')') return k + 1;
      j = m + 1;
    }
    try {
      const type = columnTypeFromName(t.upper, args, timestampMapping(ctx.session));
      blank(k, j - 1);
      setOut(k, type.duck);
      return j;
    } catch {
      return k + 1;
    }
  }

  /**
   * Calls whose shape differs in DuckDB: DATEADD/DATEDIFF take the part as a
   * bare word, TO_CHAR a format model, LISTAGG / ARRAY_AGG an ORDER BY in
   * WITHIN GROUP, SEQ4() and UNIFORM(…) have no DuckDB twin. Returns whether
   * the call at `k` was rewritten (its arguments are still translated).
   */
  function callRewrite(k: number, word: string): boolean {
    const datePartFunction = DATE_PART_FUNCTIONS[word];
    if (datePartFunction && S(k + 3)?.text === ',') {
      const partToken = S(k + 2) as Token;
      if (partToken.kind !== 'string' && !isIdentifierToken(partToken)) return false;
      const part = datePartNamed(partToken.kind === 'word' ? partToken.text : partToken.value);
      setOut(k, datePartMacro(datePartFunction, part));
      blank(k + 2, k + 3);
      datePartCalls.push({ k, fn: datePartFunction, macro: datePartMacro(datePartFunction, part) });
      return true;
    }
    if (word === 'TO_CHAR' || word === 'TO_VARCHAR') return formattedToChar(k);
    if (word === 'LISTAGG' || word === 'ARRAY_AGG') return orderedAggregate(k, word);
    if (/^SEQ[1248]$/.test(word) && S(k + 2)?.text === ')') {
      // Snowflake's SEQn() numbers rows from 0 (gaps allowed); one number per result row here.
      blank(k, k + 2);
      setOut(k, '(row_number() OVER () - 1)');
      return true;
    }
    if (word === 'RANDOM' && S(k + 2)?.text !== ')') {
      // RANDOM(seed): the same seed gives the same sequence of values, one per row
      // (https://docs.snowflake.com/en/sql-reference/functions/random), so the row's number joins the seed.
      setOut(k, 'sf_random_seeded');
      const close = matchingClose(k + 1);
      out[sigIndex[close] as number] = `, row_number() OVER ()${out[sigIndex[close] as number]}`;
      return true;
    }
    if (word === 'UNIFORM') {
      const args = topLevelArguments(k + 1);
      const isInteger = (range: [number, number]) =>
        sig.slice(range[0], range[1] + 1).every((x) => x.text === '-' || (x.kind === 'number' && /^\d+$/.test(x.text)));
      const [min, max] = args;
      if (args.length !== 3 || !min || !max) return false;
      setOut(k, isInteger(min) && isInteger(max) ? 'sf_uniform_integer' : 'sf_uniform_float');
      return true;
    }
    return false;
  }

  /** The [first, last] significant-token ranges of the arguments of the call whose `(` is at `open`. */
  function topLevelArguments(open: number): [number, number][] {
    const close = matchingClose(open);
    const args: [number, number][] = [];
    let start = open + 1;
    let d = 0;
    for (let m = open + 1; m < close; m++) {
      const x = sig[m] as Token;
      if (x.text === '(' || x.text === '[') d++;
      else if (x.text === ')' || x.text === ']') d--;
      else if (x.text === ',' && d === 0) {
        args.push([start, m - 1]);
        start = m + 1;
      }
    }
    if (close > open + 1) args.push([start, close - 1]);
    return args;
  }

  /** TO_CHAR(x, 'YYYY-MM-DD') -> strftime(x, '%Y-%m-%d'); TO_CHAR(x) keeps its plain conversion. */
  function formattedToChar(k: number): boolean {
    const args = topLevelArguments(k + 1);
    const format = args[1];
    if (args.length !== 2 || !format || format[0] !== format[1]) return false;
    const formatToken = S(format[0]) as Token;
    if (formatToken.kind !== 'string') return false;
    if (isNumericFormat(formatToken.value)) throw sqlErrors.unsupported('numeric format models in TO_CHAR');
    setOut(k, 'strftime');
    setOut(format[0], duckString(strftimeFormat(formatToken.value)));
    return true;
  }

  /**
   * LISTAGG([DISTINCT] x [, delimiter]) [WITHIN GROUP (ORDER BY …)] ->
   * coalesce(string_agg(x, delimiter ORDER BY …), ''); ARRAY_AGG likewise,
   * NULLs left out and [] for no input, as Snowflake documents
   * (https://docs.snowflake.com/en/sql-reference/functions/listagg,
   * https://docs.snowflake.com/en/sql-reference/functions/array_agg).
   * The ORDER BY moves inside the call once every token is translated.
   */
  function orderedAggregate(k: number, word: string): boolean {
    const close = matchingClose(k + 1);
    let end = close;
    if (S(close + 1)?.upper === 'WITHIN' && S(close + 2)?.upper === 'GROUP' && S(close + 3)?.text === '(') {
      end = matchingClose(close + 3);
      withinGroups.push({ close, orderFrom: close + 4, orderTo: end - 1, extraArguments: '', closing: '' });
    }
    const windowed = S(end + 1)?.upper === 'OVER';
    const isList = word === 'LISTAGG';
    // LISTAGG's delimiter defaults to '' (DuckDB's string_agg would use ',').
    const extraArguments = isList && topLevelArguments(k + 1).length === 1 ? ", ''" : '';
    let closing = '';
    if (windowed) setOut(k, isList ? 'string_agg' : 'array_agg');
    else {
      setOut(k, isList ? 'coalesce(string_agg' : 'coalesce(list_filter(array_agg');
      closing = isList ? ", '')" : ', lambda sf_e: sf_e IS NOT NULL), [])';
    }
    const group = withinGroups[withinGroups.length - 1];
    if (group?.close === close) {
      group.extraArguments = extraArguments;
      group.closing = closing;
    } else {
      out[sigIndex[close] as number] = `${extraArguments}${out[sigIndex[close] as number]}${closing}`;
    }
    return true;
  }

  /**
   * FROM VALUES (…), (…) [alias [(columns)]]: DuckDB wants the VALUES in
   * parentheses and names its columns col0…; Snowflake's are COLUMN1…
   * (https://docs.snowflake.com/en/sql-reference/constructs/values).
   */
  function valuesTable(k: number): void {
    let last = matchingClose(k + 1);
    const width = topLevelArguments(k + 1).length;
    while (S(last + 1)?.text === ',' && S(last + 2)?.text === '(') last = matchingClose(last + 2);
    setOut(k, '(VALUES');
    out[sigIndex[last] as number] += ')';
    const columns = Array.from({ length: width }, (_, i) => `COLUMN${i + 1}`).join(', ');
    let alias = last + 1;
    if (S(alias)?.upper === 'AS') alias++;
    const hasAlias = startsAlias(S(alias), S(alias + 1));
    if (!hasAlias) out[sigIndex[last] as number] += ` AS sf_values(${columns})`;
    else if (S(alias + 1)?.text !== '(') out[sigIndex[alias] as number] += `(${columns})`;
  }

  /**
   * TABLE(GENERATOR(ROWCOUNT => n)) -> range(n): n rows, no columns used
   * (https://docs.snowflake.com/en/sql-reference/functions/generator).
   * TIMELIMIT is not emulated.
   */
  function generatorCall(k: number): boolean {
    if (!(S(k - 1)?.text === '(' && S(k - 2)?.upper === 'TABLE')) return false;
    if (!(S(k + 2)?.upper === 'ROWCOUNT' && S(k + 3)?.text === '=>'))
      throw sqlErrors.unsupported('GENERATOR without ROWCOUNT');
    const close = matchingClose(k + 1);
    if (topLevelArguments(k + 1).length !== 1) throw sqlErrors.unsupported('GENERATOR with TIMELIMIT');
    blank(k - 2, k + 3);
    setOut(k - 2, 'range(CAST(');
    setOut(close, ' AS BIGINT)');
    return true;
  }

  /**
   * LATERAL FLATTEN(INPUT => v [, PATH => …, OUTER => …, RECURSIVE => …, MODE => …])
   * and TABLE(FLATTEN(…)) -> a lateral subquery (flatten.ts). The INPUT
   * expression keeps its translated text; the other arguments are constants.
   */
  function flattenCall(k: number): boolean {
    const viaTable = S(k - 1)?.text === '(' && S(k - 2)?.upper === 'TABLE';
    if (!viaTable && S(k - 1)?.upper !== 'LATERAL') return false;
    const close = matchingClose(k + 1);
    const options = { ...DEFAULT_FLATTEN_OPTIONS };
    let input: [number, number] | undefined;
    for (const [from, to] of topLevelArguments(k + 1)) {
      const name = S(from);
      if (name?.kind !== 'word' || S(from + 1)?.text !== '=>' || to < from + 2)
        throw sqlErrors.unsupported('FLATTEN with positional arguments');
      const value = S(from + 2) as Token;
      const constant = (): string => {
        if (to !== from + 2 || (value.kind !== 'string' && value.kind !== 'word'))
          throw sqlErrors.invalidValue(`argument ${name.upper} to function FLATTEN needs to be constant`);
        return value.kind === 'string' ? value.value : value.upper;
      };
      if (name.upper === 'INPUT') input = [from + 2, to];
      else if (name.upper === 'PATH') options.path = constant();
      else if (name.upper === 'OUTER') options.outer = constant() === 'TRUE';
      else if (name.upper === 'RECURSIVE') options.recursive = constant() === 'TRUE';
      else if (name.upper === 'MODE') options.mode = flattenMode(constant());
      else throw sqlErrors.invalidValue(`invalid argument ${name.upper} for function FLATTEN`);
    }
    if (!input) throw sqlErrors.unsupported('FLATTEN without INPUT =>');
    if (viaTable) {
      setOut(k - 2, 'LATERAL');
      setOut(k - 1, '');
      setOut(matchingClose(k - 1), '');
    }
    // The text goes on FLATTEN and its `)`, which nothing else rewrites; the INPUT tokens are translated later.
    blank(k, input[0] - 1);
    blank(input[1] + 1, close);
    const { before, after } = flattenSubquery(options);
    setOut(k, before);
    setOut(close, after);
    return true;
  }

  /**
   * A semi-structured path after `:` (v:a.b[0], v:"Quoted", v:a['k'])
   * -> a DuckDB JSON path; with a `::` cast to a scalar type the value is
   * read as text first, so v:name::string is `ann`, not `"ann"`.
   * Keys are case-sensitive and never folded
   * (https://docs.snowflake.com/en/user-guide/querying-semistructured#traversing-semi-structured-data).
   * Returns the index of the last token consumed.
   */
  function semiStructuredPath(k: number): number {
    let path = '$';
    const key = (x: Token) => `."${(x.kind === 'quoted' ? x.value : x.text).replace(/"/g, '\\"')}"`;
    let j = k - 1;
    if (S(k)?.text === ':') {
      const first = S(k + 1);
      if (!first || !isIdentifierToken(first)) return k;
      path += key(first);
      j = k + 1;
    }
    for (;;) {
      if (S(j + 1)?.text === '.' && isIdentifierToken(S(j + 2))) {
        path += key(S(j + 2) as Token);
        j += 2;
      } else if (S(j + 1)?.text === '[' && S(j + 2)?.kind === 'number' && S(j + 3)?.text === ']') {
        path += `[${(S(j + 2) as Token).text}]`;
        j += 3;
      } else if (S(j + 1)?.text === '[' && S(j + 2)?.kind === 'string' && S(j + 3)?.text === ']') {
        path += `."${(S(j + 2) as Token).value.replace(/"/g, '\\"')}"`;
        j += 3;
      } else break;
    }
    if (j < k) return k;
    const start = operandStart(k);
    blank(k, j);
    const target = S(j + 1)?.text === '::' ? castTarget(j + 2) : undefined;
    const scalar = target !== undefined && !['variant', 'object', 'array'].includes(target.rowType);
    const extracted = `${scalar ? '->>' : '->'} ${duckString(path)})`;
    if (!target) {
      out[sigIndex[start] as number] = `(${out[sigIndex[start] as number]}`;
      out[sigIndex[k] as number] = ` ${extracted}`;
      return j;
    }
    const [prefix, suffix] =
      target.conversion !== undefined ? conversionParts(target.conversion) : ['CAST(', ` AS ${target.duck})`];
    out[sigIndex[start] as number] = `${prefix}(${out[sigIndex[start] as number]}`;
    out[sigIndex[k] as number] = ` ${extracted}${suffix}`;
    blank(j + 1, target.end - 1);
    return target.end - 1;
  }

  /** The type a `::` names at `k`: its row type, DuckDB type, the date/time conversion it needs, and the index after it. */
  function castTarget(
    k: number,
  ): { rowType: string; duck: string; conversion?: TimestampKind | DateTimeKind; end: number } | undefined {
    const conversion = conversionTarget(k);
    if (conversion) return { rowType: conversion.kind, duck: '', conversion: conversion.kind, end: conversion.end };
    const t = S(k);
    if (t?.kind !== 'word') return undefined;
    let end = k + 1;
    const args: number[] = [];
    if (S(end)?.text === '(') {
      end++;
      while (S(end)?.kind === 'number') {
        args.push(Number((S(end) as Token).text));
        end++;
        if (S(end)?.text === ',') end++;
      }
      if (S(end)?.text !== ')') return undefined;
      end++;
    }
    const type = columnTypeFromName(t.upper, args, timestampMapping(ctx.session));
    return { rowType: type.rowType, duck: type.duck, end };
  }

  for (const { close, orderFrom, orderTo, extraArguments, closing } of withinGroups) {
    let moved = '';
    for (let i = sigIndex[orderFrom] as number; i <= (sigIndex[orderTo] as number); i++) moved += out[i];
    const callClose = out[sigIndex[close] as number];
    blank(close + 1, orderTo + 1);
    out[sigIndex[close] as number] = `${extraArguments} ${moved}${callClose}${closing}`;
  }
  for (const [index, text] of closers) out[sigIndex[index] as number] += text;
  wrapInsertSource();
  convertAssignedValues();
  timestampTzDateParts();
  compareTimestampTzByInstant();
  guardDivisors();

  /**
   * DuckDB answers NULL for x / 0 where Snowflake fails with 100051 "Division
   * by zero", so every divisor is checked; a division of two NUMBERs keeps
   * NUMBER with Snowflake's scale (numeric-division.ts). Runs last: it only
   * wraps text the other rewrites produced, left to right, so an outer
   * division's text wraps an inner one's.
   */
  function guardDivisors(): void {
    const typing: OperandTyping = {
      timestampMapping: timestampMapping(ctx.session),
      columnType: (parts) => {
        const name = parts[parts.length - 1];
        for (const table of tables) {
          const column = table.columns.find((c) => c.name === name);
          if (column) return column.type;
        }
        return undefined;
      },
    };
    for (let k = 0; k < sig.length; k++) {
      if (sig[k]?.kind !== 'op' || sig[k]?.text !== '/') continue;
      const end = operandEnd(k + 1);
      if (end < k + 1) continue;
      out[sigIndex[k + 1] as number] = `sf_nonzero(${out[sigIndex[k + 1] as number]}`;
      out[sigIndex[end] as number] += ')';
      const start = numeratorStart(k);
      if (start < 0) continue;
      const numerator = staticNumericType(sig, start, k - 1, typing);
      const denominator = staticNumericType(sig, k + 1, end, typing);
      if (typeof numerator !== 'object' || typeof denominator !== 'object') continue;
      const { prefix, infix, suffix } = decimalDivisionText(numerator, denominator);
      out[sigIndex[start] as number] = `${prefix}${out[sigIndex[start] as number]}`;
      setOut(k, infix);
      out[sigIndex[end] as number] += suffix;
    }
  }

  /**
   * Where the numerator of the `/` at `k` starts: its operand and any `*` /
   * `/` chain before it (they bind as tightly and from the left); -1 when a
   * `%` or `::` makes that unsure.
   */
  function numeratorStart(k: number): number {
    let start = operandStart(k);
    while (start > 0 && (S(start - 1)?.text === '*' || S(start - 1)?.text === '/')) start = operandStart(start - 1);
    if (start >= k || S(start - 1)?.text === '%' || S(start - 1)?.text === '::') return -1;
    return start;
  }

  /** Where the operand of a binary operator that starts at `k` ends (-1 when unsure). */
  function operandEnd(k: number): number {
    let j = k;
    while (S(j)?.text === '-' || S(j)?.text === '+') j++;
    const t = S(j);
    if (!t) return -1;
    const literal = t.kind === 'string' || t.kind === 'number';
    if (t.text === '(') j = matchingClose(j);
    else if (t.kind === 'word' && t.upper === 'CASE') {
      let d = 0;
      for (; j < sig.length; j++) {
        if (sig[j]?.upper === 'CASE') d++;
        else if (sig[j]?.upper === 'END' && --d === 0) break;
      }
    } else if (t.kind === 'word' && isTypedLiteralWord(t.upper) && S(j + 1)?.kind === 'string') j++;
    else if (isIdentifierToken(t)) {
      while (S(j + 1)?.text === '.' && isIdentifierToken(S(j + 2))) j += 2;
      if (S(j + 1)?.text === '(') j = matchingClose(j + 1);
    } else if (!literal) return -1;
    while (S(j + 1)?.text === '::' && S(j + 2)?.kind === 'word') {
      j += 2;
      if (S(j + 1)?.text === '(') j = matchingClose(j + 1);
    }
    return j;
  }

  /** The date/time kind a type at `k` names (TIMESTAMP per TIMESTAMP_TYPE_MAPPING), and the index after it. */
  function conversionTarget(k: number): { kind: TimestampKind | DateTimeKind; end: number } | undefined {
    const t = S(k);
    if (t?.kind !== 'word' || !isTypedLiteralWord(t.upper)) return undefined;
    let end = k + 1;
    if (S(end)?.text === '(' && S(end + 1)?.kind === 'number' && S(end + 2)?.text === ')') end += 3;
    if (t.upper === 'DATE') return { kind: 'date', end };
    if (t.upper === 'TIME') return { kind: 'time', end };
    let type: ColumnType;
    try {
      type = columnTypeFromName(t.upper, [], timestampMapping(ctx.session));
    } catch {
      return undefined;
    }
    return { kind: type.rowType as TimestampKind, end };
  }

  /** The text before and after an expression that converts it to a date/time kind. */
  function conversionParts(kind: TimestampKind | DateTimeKind, format?: string, strict = true): [string, string] {
    if (kind === 'date' || kind === 'time') {
      const session = sessionParameter(ctx.session, kind === 'date' ? 'DATE_INPUT_FORMAT' : 'TIME_INPUT_FORMAT');
      return [`sf_${kind}_in(CAST(`, ` AS VARCHAR), ${dateTimeFormatArgs(kind, format ?? session, strict)})`];
    }
    // TIMESTAMP_INPUT_FORMAT other than AUTO: text must match it (100035 otherwise), then reads as ISO text.
    const timestampFormat = sessionParameter(ctx.session, 'TIMESTAMP_INPUT_FORMAT');
    if (timestampFormat.toUpperCase() === 'AUTO')
      return [`${timestampConversionFunction(kind)}(CAST(`, ' AS VARCHAR))'];
    const pattern = duckString(strptimePattern(format ?? timestampFormat));
    return [
      `${timestampConversionFunction(kind)}(${strict ? 'sf_ts_in' : 'sf_ts_try_in'}(CAST(`,
      ` AS VARCHAR), ${pattern}))`,
    ];
  }

  /**
   * TO_DATE(x [, format]), DATE(x), TO_TIME(x [, format]), TIME(x) and their
   * TRY_ forms at `k`; returns the index of the call's closing parenthesis.
   */
  function dateTimeCall(k: number, call: { kind: DateTimeKind; isTry: boolean }): number {
    const close = matchingClose(k + 1);
    let comma = -1;
    let d = 0;
    for (let m = k + 1; m < close; m++) {
      const x = sig[m] as Token;
      if (x.text === '(') d++;
      else if (x.text === ')') d--;
      else if (x.text === ',' && d === 1) comma = m;
    }
    let format: string | undefined;
    if (comma > 0) {
      const f = S(comma + 1);
      if (f?.kind !== 'string' || comma + 2 !== close) return k;
      format = f.value;
      blank(comma, comma + 1);
    }
    const [prefix, suffix] = conversionParts(call.kind, format, !call.isTry);
    setOut(k, prefix.slice(0, -1));
    setOut(close, suffix);
    parenFunctions.push(null);
    parenOpen.push(k + 1);
    depth++;
    return k + 1;
  }

  /** Wraps significant tokens from..to (an expression) in the conversion to a timestamp kind. */
  function wrap(from: number, to: number, kind: TimestampKind | DateTimeKind): void {
    const [prefix, suffix] = conversionParts(kind);
    out[sigIndex[from] as number] = `${prefix}${out[sigIndex[from] as number]}`;
    out[sigIndex[to] as number] += suffix;
  }

  function matchingClose(open: number): number {
    let d = 0;
    for (let m = open; m < sig.length; m++) {
      if (sig[m]?.text === '(') d++;
      else if (sig[m]?.text === ')' && --d === 0) return m;
    }
    return sig.length - 1;
  }

  /**
   * Where the operand of the postfix `::` at `k` starts: a literal, a column
   * chain, a call or a parenthesized expression, with any casts before it.
   */
  function operandStart(k: number): number {
    let j = k - 1;
    const t = S(j);
    if (!t) return k;
    if (t.text === ')') {
      let d = 0;
      for (; j > 0; j--) {
        const x = sig[j] as Token;
        if (x.text === ')') d++;
        else if (x.text === '(' && --d === 0) break;
      }
      const callee = S(j - 1);
      if (callee && isIdentifierToken(callee)) j--;
    } else if (t.kind === 'string' && S(j - 1)?.kind === 'word' && isTypedLiteralWord(S(j - 1)?.upper)) j--;
    while (S(j - 1)?.text === '.' && isIdentifierToken(S(j - 2))) j -= 2;
    if (S(j - 1)?.text === '::') return operandStart(j - 1);
    return j;
  }

  /**
   * An INSERT into a table with date/time columns: DuckDB cannot cast text or
   * a timestamp to the struct a TIMESTAMP_TZ column holds, and reads text by
   * its own rules, so the source becomes a subquery whose date/time columns
   * are converted as Snowflake converts them (input formats, offsets).
   */
  function wrapInsertSource(): void {
    if (S(0)?.upper !== 'INSERT' || !insertTarget_) return;
    const { table, end } = insertTarget_;
    if (!table.columns.some((c) => isDateTime(c.type.rowType) || c.type.rowType.startsWith('timestamp_'))) return;
    let names = table.columns.map((c) => c.name);
    let source = end;
    if (S(end)?.text === '(' && isIdentifierToken(S(end + 1))) {
      names = [];
      source = matchingClose(end) + 1;
      for (let m = end + 1; m < source - 1; m++)
        if (isIdentifierToken(sig[m])) names.push(identifierName(sig[m] as Token));
    }
    if (source >= sig.length) return;
    const kinds = names.map((n) => table.columns.find((c) => c.name === n)?.type.rowType);
    const aliases = names.map((_, i) => `sf_c${i}`);
    const items = aliases.map((a, i) => {
      const kind = kinds[i];
      if (kind === 'date' || kind === 'time' || kind?.startsWith('timestamp_')) {
        const [prefix, suffix] = conversionParts(kind as TimestampKind | DateTimeKind);
        return `${prefix}${a}${suffix}`;
      }
      return a;
    });
    out[sigIndex[source] as number] = `SELECT ${items.join(', ')} FROM (${out[sigIndex[source] as number]}`;
    out[sigIndex[sig.length - 1] as number] += `) AS sf_src(${aliases.join(', ')})`;
  }

  /**
   * UPDATE … SET col = expr and MERGE's UPDATE SET / INSERT (cols) VALUES
   * (…): a value stored in a date/time column is converted to the column's
   * type as Snowflake converts it — NTZ -> TZ reads the wall clock in the
   * session zone, TZ -> NTZ keeps the wall clock and drops the offset, TZ ->
   * LTZ keeps the instant
   * (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz).
   * DuckDB could not cast the TIMESTAMP_TZ struct to a timestamp at all.
   */
  function convertAssignedValues(): void {
    const statement = S(0)?.upper;
    const target = tables[0];
    if ((statement !== 'UPDATE' && statement !== 'MERGE') || target === undefined) return;
    const kindOf = (name: string): TimestampKind | DateTimeKind | undefined => {
      const kind = target.columns.find((c) => c.name === name)?.type.rowType;
      return kind === 'date' || kind === 'time' || kind?.startsWith('timestamp_')
        ? (kind as TimestampKind | DateTimeKind)
        : undefined;
    };
    if (!target.columns.some((c) => kindOf(c.name) !== undefined)) return;
    let d = 0;
    for (let k = 0; k < sig.length; k++) {
      const t = sig[k] as Token;
      if (t.text === '(') d++;
      else if (t.text === ')') d--;
      else if (d === 0 && t.kind === 'word' && t.upper === 'SET') k = convertSetList(k + 1, kindOf);
      else if (d === 0 && t.kind === 'word' && t.upper === 'INSERT' && S(k - 1)?.upper === 'THEN')
        k = convertMergeInsert(k + 1, kindOf);
    }
  }

  /** `a = x, b.c = y …` from `k` to the clause's end; returns the index of its last token. */
  function convertSetList(k: number, kindOf: (name: string) => TimestampKind | DateTimeKind | undefined): number {
    let d = 0;
    let itemStart = k;
    let m = k;
    const convertItem = (from: number, to: number) => {
      let eq = from;
      while (eq <= to && S(eq)?.text !== '=') eq++;
      const column = S(eq - 1);
      if (eq >= to || column === undefined || !isIdentifierToken(column)) return;
      assignments.add(eq);
      const kind = kindOf(identifierName(column));
      if (kind) wrap(eq + 1, to, kind);
    };
    for (; m < sig.length; m++) {
      const t = sig[m] as Token;
      if (t.text === '(') d++;
      else if (t.text === ')') {
        if (d === 0) break;
        d--;
      } else if (d === 0 && t.text === ',') {
        convertItem(itemStart, m - 1);
        itemStart = m + 1;
      } else if (d === 0 && t.kind === 'word' && (t.upper === 'WHERE' || t.upper === 'FROM' || t.upper === 'WHEN'))
        break;
    }
    convertItem(itemStart, m - 1);
    return m - 1;
  }

  /** MERGE's `INSERT (cols) VALUES (exprs)` at `k` (the column list); returns the index of its last token. */
  function convertMergeInsert(k: number, kindOf: (name: string) => TimestampKind | DateTimeKind | undefined): number {
    if (S(k)?.text !== '(') return k;
    const namesClose = matchingClose(k);
    const names: string[] = [];
    for (let m = k + 1; m < namesClose; m++) if (isIdentifierToken(sig[m])) names.push(identifierName(sig[m] as Token));
    if (S(namesClose + 1)?.upper !== 'VALUES' || S(namesClose + 2)?.text !== '(') return namesClose;
    const values = topLevelArguments(namesClose + 2);
    values.forEach(([from, to], i) => {
      const kind = kindOf(names[i] ?? '');
      if (kind && to >= from) wrap(from, to, kind);
    });
    return matchingClose(namesClose + 2);
  }

  /**
   * DATEADD on a TIMESTAMP_TZ works on the value's own wall clock and keeps
   * its offset (date-parts.ts); DATEDIFF reads a TIMESTAMP_TZ operand as its
   * instant. DuckDB's + and date_diff cannot take the TIMESTAMP_TZ struct, and
   * a macro cannot choose by type, so this uses what the query shows of the
   * operand's type: a TIMESTAMP_TZ column, a cast to it or TO_TIMESTAMP_TZ.
   */
  function timestampTzDateParts(): void {
    for (const { k, fn, macro } of datePartCalls) {
      const args = topLevelArguments(k + 1);
      if (fn === 'add') {
        const value = args[2];
        if (value && isStaticTimestampTz(value[0], value[1])) {
          const index = sigIndex[k] as number;
          out[index] = (out[index] as string).replace(macro, macro.replace('sf_dateadd_', 'sf_tz_dateadd_'));
        }
        continue;
      }
      for (const [from, to] of args.slice(1)) {
        if (!isStaticTimestampTz(from, to)) continue;
        out[sigIndex[from] as number] = `struct_extract(${out[sigIndex[from] as number]}`;
        out[sigIndex[to] as number] += `, '${TZ_UTC_FIELD}')`;
      }
    }
  }

  /**
   * Two TIMESTAMP_TZ values are equal when they are the same instant, whatever
   * their offsets ('2024-01-01 00:00 +0000' = '2024-01-01 09:00 +0900'), and
   * order by instant: Snowflake compares TIMESTAMP_TZ by its UTC value
   * (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz).
   * DuckDB compares the struct field by field, offset included, so a
   * comparison with a visible TIMESTAMP_TZ operand compares both operands'
   * instants instead. Not covered: DISTINCT, GROUP BY, IN lists and operands
   * whose type the query does not show.
   */
  function compareTimestampTzByInstant(): void {
    const COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);
    for (let k = 1; k < sig.length; k++) {
      const t = sig[k] as Token;
      if (t.kind !== 'op' || !COMPARISONS.has(t.text) || assignments.has(k)) continue;
      const leftStart = operandStart(k);
      const rightEnd = operandEnd(k + 1);
      if (leftStart >= k || rightEnd < k + 1) continue;
      if (!isStaticTimestampTz(leftStart, k - 1) && !isStaticTimestampTz(k + 1, rightEnd)) continue;
      for (const [from, to] of [
        [leftStart, k - 1],
        [k + 1, rightEnd],
      ] as const) {
        out[sigIndex[from] as number] = `sf_ltz_from_text(CAST(${out[sigIndex[from] as number]}`;
        out[sigIndex[to] as number] += ' AS VARCHAR))';
      }
    }
  }

  /** Whether tokens from..to are, visibly, a TIMESTAMP_TZ value. */
  function isStaticTimestampTz(from: number, to: number): boolean {
    const first = S(from);
    const last = S(to);
    if (first === undefined || last === undefined) return false;
    const isTzType = (t: Token | undefined) =>
      t?.kind === 'word' && columnTypeFromNameOrUndefined(t.upper)?.rowType === 'timestamp_tz';
    if (isTzType(last) && S(to - 1)?.text === '::') return true;
    if (first.upper === 'TO_TIMESTAMP_TZ' && S(from + 1)?.text === '(' && matchingClose(from + 1) === to) return true;
    if ((first.upper === 'CAST' || first.upper === 'TRY_CAST') && last.text === ')' && isTzType(S(to - 1)))
      return matchingClose(from + 1) === to;
    for (let m = from; m <= to; m++) {
      const x = sig[m] as Token;
      if ((m - from) % 2 === 0 ? !isIdentifierToken(x) : x.text !== '.') return false;
    }
    if ((to - from) % 2 !== 0) return false;
    const name = identifierName(last);
    for (const table of tables) {
      const column = table.columns.find((c) => c.name === name);
      if (column) return column.type.rowType === 'timestamp_tz';
    }
    return false;
  }

  function columnTypeFromNameOrUndefined(name: string): ColumnType | undefined {
    try {
      return columnTypeFromName(name, [], timestampMapping(ctx.session));
    } catch {
      return undefined;
    }
  }

  const semiStructuredColumns = new Map<string, SemiStructuredKind>();
  if (aliasSelectList) aliasSelectItems();

  function aliasSelectItems(): void {
    let d = 0;
    let start = -1;
    for (let k = 0; k < sig.length; k++) {
      const t = sig[k] as Token;
      if (t.text === '(') d++;
      else if (t.text === ')') d--;
      else if (d === 0 && t.kind === 'word' && t.upper === 'SELECT') {
        start = k + 1;
        break;
      }
    }
    if (start < 0) return;
    if (S(start)?.upper === 'DISTINCT' || S(start)?.upper === 'ALL') start++;
    const items: [number, number][] = [];
    let itemStart = start;
    d = 0;
    let k = start;
    for (; k < sig.length; k++) {
      const t = sig[k] as Token;
      if (t.text === '(') d++;
      else if (t.text === ')') {
        if (d === 0) break;
        d--;
      } else if (d === 0 && t.text === ',') {
        items.push([itemStart, k - 1]);
        itemStart = k + 1;
      } else if (d === 0 && t.kind === 'word' && SELECT_END.has(t.upper) && S(k - 1)?.upper !== 'WITHIN') break;
    }
    items.push([itemStart, k - 1]);
    /** Notes the item's OBJECT / ARRAY type under the name DuckDB will give its column. */
    const noteKind = (name: string, from: number, to: number) => {
      const kind = semiStructuredKind(sig, from, to);
      if (kind) semiStructuredColumns.set(name, kind);
    };
    for (const [a, b] of items) {
      if (b < a) continue;
      const last = sig[b] as Token;
      if (last.text === '*') continue;
      const before = S(b - 1);
      if (b > a && before?.kind === 'word' && before.upper === 'AS') {
        if (last.kind === 'word') setOut(b, duckIdent(last.upper));
        noteKind(last.kind === 'word' ? last.upper : identifierName(last), a, b - 2);
        continue;
      }
      const isChain = (() => {
        for (let m = a; m <= b; m++) {
          const x = sig[m] as Token;
          if ((m - a) % 2 === 0 ? !isIdentifierToken(x) : x.text !== '.') return false;
        }
        return (b - a) % 2 === 0;
      })();
      if (isChain && !(last.kind === 'word' && NOT_ALIAS_WORDS.has(last.upper))) {
        out[sigIndex[b] as number] += ` AS ${duckIdent(identifierName(last))}`;
        continue;
      }
      if (
        b > a &&
        isIdentifierToken(last) &&
        !(last.kind === 'word' && NOT_ALIAS_WORDS.has(last.upper)) &&
        before !== undefined &&
        (before.kind !== 'op' || before.text === ')') &&
        !(before.kind === 'word' && NOT_BEFORE_ALIAS.has(before.upper))
      ) {
        setOut(b, duckIdent(identifierName(last)));
        noteKind(identifierName(last), a, b - 1);
        continue;
      }
      const source = tokens.slice(sigIndex[a] as number, (sigIndex[b] as number) + 1);
      out[sigIndex[b] as number] += ` AS ${duckIdent(expressionName(source))}`;
      noteKind(expressionName(source), a, b);
    }
  }

  return { sql: out.join(''), tables, semiStructuredColumns };
}
