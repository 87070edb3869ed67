import { sqlErrors } from '../errors.js';
import { showVisibility } from './access/authorize.js';
import type { DatabaseEntry } from './catalog.js';
import { runDuck } from './duck-results.js';
import { materializeRows, rawTableToken } from './result-scan.js';
import { isTrivia, type Token } from './sql-lexer.js';
import type { StatementContext } from './statement-context.js';
import { column, type ResultColumn, StatementType } from './statement-result.js';
import { identifierName, isIdentifierToken } from './token-cursor.js';
import { type ColumnType, types } from './type-mapping.js';

/**
 * `[db.]INFORMATION_SCHEMA.TABLES | COLUMNS | SCHEMATA` and the table
 * functions `[db.]INFORMATION_SCHEMA.QUERY_HISTORY()` /
 * `QUERY_HISTORY_BY_SESSION()`, answered from the emulator's catalog and
 * query log. Each reference is materialized as a temporary table holding
 * only what the session's role may see, then queried like any table.
 *
 * Columns and order from the views' reference pages
 * (https://docs.snowflake.com/en/sql-reference/info-schema/tables,
 * .../info-schema/columns, .../info-schema/schemata,
 * https://docs.snowflake.com/en/sql-reference/functions/query_history): the
 * leading, commonly used columns; a view lists the objects the role holds a
 * privilege on ("only objects for which the current role has been granted
 * access privileges"). QUERY_HISTORY returns the current user's queries,
 * newest first, at most RESULT_LIMIT (default 100); _BY_SESSION the current
 * session's.
 */

const text = (name: string) => column(name, types.varchar());
const num = (name: string) => column(name, types.number(38, 0));
const ts = (name: string) => column(name, types.timestampLtz(3));

const TABLES_COLUMNS = [
  text('TABLE_CATALOG'),
  text('TABLE_SCHEMA'),
  text('TABLE_NAME'),
  text('TABLE_OWNER'),
  text('TABLE_TYPE'),
  text('IS_TRANSIENT'),
  text('CLUSTERING_KEY'),
  num('ROW_COUNT'),
  num('BYTES'),
  num('RETENTION_TIME'),
  ts('CREATED'),
  ts('LAST_ALTERED'),
  text('COMMENT'),
  text('IS_TEMPORARY'),
  text('IS_ICEBERG'),
];

const COLUMNS_COLUMNS = [
  text('TABLE_CATALOG'),
  text('TABLE_SCHEMA'),
  text('TABLE_NAME'),
  text('COLUMN_NAME'),
  num('ORDINAL_POSITION'),
  text('COLUMN_DEFAULT'),
  text('IS_NULLABLE'),
  text('DATA_TYPE'),
  num('CHARACTER_MAXIMUM_LENGTH'),
  num('CHARACTER_OCTET_LENGTH'),
  num('NUMERIC_PRECISION'),
  num('NUMERIC_PRECISION_RADIX'),
  num('NUMERIC_SCALE'),
  num('DATETIME_PRECISION'),
  text('COMMENT'),
];

const SCHEMATA_COLUMNS = [
  text('CATALOG_NAME'),
  text('SCHEMA_NAME'),
  text('SCHEMA_OWNER'),
  text('IS_TRANSIENT'),
  text('IS_MANAGED_ACCESS'),
  num('RETENTION_TIME'),
  ts('CREATED'),
  ts('LAST_ALTERED'),
  text('COMMENT'),
];

/**
 * INFORMATION_SCHEMA.VIEWS, documented columns in order
 * (https://docs.snowflake.com/en/sql-reference/info-schema/views). The
 * emulator has no views, so it is always empty, but it answers.
 */
const VIEWS_COLUMNS = [
  text('TABLE_CATALOG'),
  text('TABLE_SCHEMA'),
  text('TABLE_NAME'),
  text('TABLE_OWNER'),
  text('VIEW_DEFINITION'),
  text('CHECK_OPTION'),
  text('IS_UPDATABLE'),
  text('INSERTABLE_INTO'),
  text('IS_SECURE'),
  ts('CREATED'),
  ts('LAST_ALTERED'),
  text('COMMENT'),
];

/**
 * INFORMATION_SCHEMA.LOAD_HISTORY: one row per file a completed COPY INTO
 * loaded (or failed to) into a table of this database, columns as documented
 * (https://docs.snowflake.com/en/sql-reference/info-schema/load_history),
 * STATUS in upper case (LOADED, LOAD FAILED, PARTIALLY LOADED).
 */
const LOAD_HISTORY_COLUMNS = [
  text('SCHEMA_NAME'),
  text('FILE_NAME'),
  text('TABLE_NAME'),
  ts('LAST_LOAD_TIME'),
  text('STATUS'),
  num('ROW_COUNT'),
  num('ROW_PARSED'),
  text('FIRST_ERROR_MESSAGE'),
  num('FIRST_ERROR_LINE_NUMBER'),
  num('FIRST_ERROR_CHARACTER_POSITION'),
  text('FIRST_ERROR_COL_NAME'),
  num('ERROR_COUNT'),
  num('ERROR_LIMIT'),
];

const QUERY_HISTORY_COLUMNS = [
  text('QUERY_ID'),
  text('QUERY_TEXT'),
  text('DATABASE_NAME'),
  text('SCHEMA_NAME'),
  text('QUERY_TYPE'),
  num('SESSION_ID'),
  text('USER_NAME'),
  text('ROLE_NAME'),
  text('WAREHOUSE_NAME'),
  text('QUERY_TAG'),
  text('EXECUTION_STATUS'),
  text('ERROR_CODE'),
  text('ERROR_MESSAGE'),
  ts('START_TIME'),
  ts('END_TIME'),
  num('TOTAL_ELAPSED_TIME'),
  num('ROWS_PRODUCED'),
];

/** DATA_TYPE as INFORMATION_SCHEMA.COLUMNS prints it (TEXT for strings). */
function dataType(type: ColumnType): string {
  switch (type.rowType) {
    case 'fixed':
      return 'NUMBER';
    case 'real':
      return 'FLOAT';
    case 'text':
      return 'TEXT';
    default:
      return type.rowType.toUpperCase();
  }
}

const QUERY_TYPES: Record<number, string> = {
  [StatementType.SELECT]: 'SELECT',
  [StatementType.INSERT]: 'INSERT',
  [StatementType.UPDATE]: 'UPDATE',
  [StatementType.DELETE]: 'DELETE',
  [StatementType.MERGE]: 'MERGE',
  [StatementType.COPY]: 'COPY',
  [StatementType.ALTER_SESSION]: 'ALTER_SESSION',
  [StatementType.USE]: 'USE',
  [StatementType.SHOW]: 'SHOW',
  [StatementType.DESCRIBE]: 'DESCRIBE',
  [StatementType.TCL]: 'COMMIT',
  [StatementType.MULTI_STATEMENT]: 'MULTI_STATEMENT',
};

const FIRST_WORD_TYPES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'SHOW', 'DESCRIBE', 'USE']);

/** QUERY_TYPE: from the statement type, else (running or failed statements) from the text. */
function queryType(statementTypeId: number | null, sql: string): string {
  if (statementTypeId !== null && QUERY_TYPES[statementTypeId]) return QUERY_TYPES[statementTypeId] as string;
  const words = sql
    .trim()
    .split(/\s+/, 2)
    .map((w) => w.toUpperCase());
  if (statementTypeId === StatementType.DDL || ['CREATE', 'ALTER', 'DROP'].includes(words[0] ?? ''))
    return words.join('_');
  return FIRST_WORD_TYPES.has(words[0] ?? '') ? (words[0] as string) : 'UNKNOWN';
}

async function rowCount(ctx: StatementContext, physical: string): Promise<number> {
  const result = await runDuck(ctx.session.connection, `SELECT count(*)::BIGINT FROM ${physical}`, ctx.signal);
  return Number(((await result.getRows())[0] ?? [0])[0]);
}

async function viewRows(ctx: StatementContext, view: string, database: DatabaseEntry): Promise<unknown[][]> {
  const visible = showVisibility(ctx);
  const rows: unknown[][] = [];
  if (!visible.database(database)) return rows;
  for (const schema of database.schemas.values()) {
    if (!visible.schema(database, schema)) continue;
    if (view === 'SCHEMATA') {
      const info = schema.name === 'INFORMATION_SCHEMA';
      rows.push([
        database.name,
        schema.name,
        info ? null : schema.owner,
        'NO',
        'NO',
        info ? null : 1,
        schema.createdOn,
        schema.createdOn,
        schema.comment,
      ]);
      continue;
    }
    if (view === 'VIEWS') continue;
    for (const table of schema.tables.values()) {
      if (table.kind === 'TEMPORARY' && table.sessionId !== ctx.session.state.id) continue;
      if (!visible.object(database, schema, table)) continue;
      if (view === 'LOAD_HISTORY') {
        for (const e of ctx.engine.loadMetadata.history(table.id))
          rows.push([
            schema.name,
            joinLocation(e.stageLocation, e.fileName),
            table.name,
            e.lastLoadTime,
            e.status.toUpperCase(),
            e.rowCount,
            e.rowParsed,
            e.firstErrorMessage,
            e.firstErrorLineNumber,
            e.firstErrorCharacterPos,
            e.firstErrorColumnName,
            e.errorCount,
            e.errorLimit,
          ]);
        continue;
      }
      if (view === 'TABLES') {
        rows.push([
          database.name,
          schema.name,
          table.name,
          table.owner,
          table.kind === 'TEMPORARY' ? 'LOCAL TEMPORARY' : 'BASE TABLE',
          table.kind === 'TRANSIENT' ? 'YES' : 'NO',
          null,
          await rowCount(ctx, table.physical),
          0,
          1,
          table.createdOn,
          table.createdOn,
          table.comment,
          table.kind === 'TEMPORARY' ? 'YES' : 'NO',
          table.iceberg ? 'YES' : 'NO',
        ]);
        continue;
      }
      table.columns.forEach((col, i) => {
        const t = col.type;
        const isText = t.rowType === 'text' || t.rowType === 'binary';
        const isTime = t.rowType === 'time' || t.rowType.startsWith('timestamp');
        rows.push([
          database.name,
          schema.name,
          table.name,
          col.name,
          i + 1,
          null,
          col.nullable ? 'YES' : 'NO',
          dataType(t),
          isText ? (t.length ?? null) : null,
          isText ? Math.min((t.length ?? 16_777_216) * (t.rowType === 'text' ? 4 : 1), 16_777_216) : null,
          t.rowType === 'fixed' ? (t.precision ?? 38) : null,
          t.rowType === 'fixed' ? 10 : null,
          t.rowType === 'fixed' ? (t.scale ?? 0) : null,
          isTime ? (t.scale ?? 9) : null,
          col.comment,
        ]);
      });
    }
  }
  return rows;
}

/** The file's full location: the stage URL and the path below it. */
function joinLocation(stageLocation: string, fileName: string): string {
  return stageLocation.endsWith('/') ? `${stageLocation}${fileName}` : `${stageLocation}/${fileName}`;
}

function historyRows(ctx: StatementContext, fn: string, limit: number): unknown[][] {
  const state = ctx.session.state;
  return ctx.engine.hooks
    .queryHistory()
    .filter((e) =>
      fn === 'QUERY_HISTORY_BY_SESSION' ? e.sessionId === state.id : e.user.toUpperCase() === state.user.toUpperCase(),
    )
    .slice()
    .reverse()
    .slice(0, limit)
    .map((e) => [
      e.queryId,
      e.sql,
      e.database,
      e.database ? e.schema : null,
      queryType(e.statementTypeId, e.sql),
      e.sessionId,
      e.user,
      e.role ?? null,
      e.warehouse ?? null,
      e.queryTag,
      e.status,
      e.errorCode,
      e.errorMessage,
      e.startedAt,
      e.endedAt,
      e.endedAt ? e.endedAt.getTime() - e.startedAt.getTime() : null,
      e.status === 'SUCCESS' ? (e.rowCount ?? 0) : null,
    ]);
}

const VIEWS: Record<string, ResultColumn[]> = {
  TABLES: TABLES_COLUMNS,
  COLUMNS: COLUMNS_COLUMNS,
  SCHEMATA: SCHEMATA_COLUMNS,
  VIEWS: VIEWS_COLUMNS,
  LOAD_HISTORY: LOAD_HISTORY_COLUMNS,
};
const HISTORY_FUNCTIONS = new Set(['QUERY_HISTORY', 'QUERY_HISTORY_BY_SESSION']);

export function mentionsInformationSchema(ctx: StatementContext): boolean {
  return ctx.tokens.some((t) => t.upper === 'INFORMATION_SCHEMA' || HISTORY_FUNCTIONS.has(t.upper));
}

interface Reference {
  from: number;
  to: number;
  build: () => Promise<{ columns: ResultColumn[]; rows: unknown[][] }>;
}

/** The first view or QUERY_HISTORY call in the tokens, with the token range it spans. */
function findReference(ctx: StatementContext, tokens: readonly Token[]): Reference | undefined {
  const sig: number[] = [];
  tokens.forEach((t, i) => {
    if (!isTrivia(t)) sig.push(i);
  });
  const at = (k: number): Token | undefined => tokens[sig[k] as number];
  const databaseOf = (k: number): { database: DatabaseEntry; start: number } => {
    // `db.INFORMATION_SCHEMA` or the session's database.
    const qualified = at(k - 1)?.text === '.' && isIdentifierToken(at(k - 2));
    const name = qualified ? identifierName(at(k - 2) as Token) : ctx.session.state.database;
    if (name === null) throw sqlErrors.noCurrentDatabase('SELECT');
    const database = ctx.engine.catalog.databases.get(name);
    if (!database) throw sqlErrors.databaseMissing(name);
    return { database, start: qualified ? k - 2 : k };
  };
  for (let k = 0; k < sig.length; k++) {
    const t = at(k) as Token;
    if (t.upper === 'INFORMATION_SCHEMA' && at(k + 1)?.text === '.' && at(k + 3)?.text !== '(') {
      const view = at(k + 2)?.upper ?? '';
      const columns = VIEWS[view];
      if (!columns) continue;
      const { database, start } = databaseOf(k);
      return {
        from: sig[start] as number,
        to: sig[k + 2] as number,
        build: async () => ({ columns, rows: await viewRows(ctx, view, database) }),
      };
    }
    if (t.upper === 'TABLE' && at(k + 1)?.text === '(') {
      let j = k + 2;
      if (at(j)?.upper !== 'INFORMATION_SCHEMA' && at(j + 1)?.text === '.' && at(j + 2)?.upper === 'INFORMATION_SCHEMA')
        j += 2;
      if (at(j)?.upper === 'INFORMATION_SCHEMA' && at(j + 1)?.text === '.') j += 2;
      const fn = at(j)?.upper ?? '';
      if (!HISTORY_FUNCTIONS.has(fn) || at(j + 1)?.text !== '(') continue;
      let end = j + 2;
      let limit = 100;
      let depth = 1;
      for (; end < sig.length && depth > 0; end++) {
        const x = at(end) as Token;
        if (x.text === '(') depth++;
        else if (x.text === ')') depth--;
        else if (x.upper === 'RESULT_LIMIT' && at(end + 1)?.text === '=>') limit = Number(at(end + 2)?.text ?? 100);
      }
      if (at(end)?.text !== ')') continue;
      return {
        from: sig[k] as number,
        to: sig[end] as number,
        build: async () => ({ columns: QUERY_HISTORY_COLUMNS, rows: historyRows(ctx, fn, limit) }),
      };
    }
  }
  return undefined;
}

/** Replaces each INFORMATION_SCHEMA reference with a temporary table of what the role may see. */
export async function expandInformationSchema(ctx: StatementContext, tokens: Token[]): Promise<Token[]> {
  for (let ref = findReference(ctx, tokens); ref; ref = findReference(ctx, tokens)) {
    const { columns, rows } = await ref.build();
    const name = await materializeRows(ctx, columns, rows);
    tokens = [
      ...tokens.slice(0, ref.from),
      rawTableToken(name, (tokens[ref.from] as Token).pos),
      ...tokens.slice(ref.to + 1),
    ];
  }
  return tokens;
}
