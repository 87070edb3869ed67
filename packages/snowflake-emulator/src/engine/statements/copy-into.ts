import { rm } from 'node:fs/promises';
import { DuckDBTypeId } from '@duckdb/node-api';
import { SnowflakeError, sqlErrors } from '../../errors.js';
import {
  listStagedFiles,
  parseStageReference,
  patternRegExp,
  resolveFileFormat,
  resolveStage,
  type StagedFile,
  stageFileFormat,
} from '../../stage/stage-files.js';
import type { ColumnDef, FileFormatSpec, TableEntry } from '../catalog.js';
import { authorizeStageObject, authorizeTable } from '../access/authorize.js';
import { runDuck } from '../duck-results.js';
import type { LoadEvent } from '../load-metadata.js';
import { resolveTable } from '../name-resolution.js';
import { duckIdent, duckString } from '../sql-lexer.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';
import { type OptionMap, optionBool, optionGroup, optionStrings, optionText } from '../token-cursor.js';
import type { ColumnType } from '../type-mapping.js';
import { requireWarehouse } from '../compute.js';
import { fileFormatSpec } from './stage-ddl.js';

type OnError =
  { mode: 'ABORT_STATEMENT' } | { mode: 'CONTINUE' } | { mode: 'SKIP_FILE'; limit: number; percent: boolean };

interface FileError {
  code: string;
  sqlState: string;
  message: string;
  line: number;
  character: number;
  columnName: string | null;
}

interface FileOutcome {
  file: StagedFile;
  rowsParsed: number;
  errorsSeen: number;
  firstError: FileError | null;
  /** DuckDB SELECT producing the converted rows (columns c_0..), with an `__ok` flag. */
  convertedSql: string | null;
}

interface CopyPlan {
  table: TableEntry;
  qualifiedName: string[];
  files: StagedFile[];
  onError: OnError;
  matchByName: 'NONE' | 'CASE_SENSITIVE' | 'CASE_INSENSITIVE';
  force: boolean;
  purge: boolean;
  returnFailedOnly: boolean;
  /** The Parquet file format's USE_LOGICAL_TYPE (default FALSE). */
  useLogicalType: boolean;
}

const ZERO_FILES = 'Copy executed with 0 files processed.';
/** COPY INTO's per-file status -> COPY_HISTORY's STATUS spelling. */
const HISTORY_STATUS = {
  LOADED: 'Loaded',
  PARTIALLY_LOADED: 'Partially loaded',
  LOAD_FAILED: 'Load failed',
} as const;
const ON_ERROR_HINT =
  "If you would like to continue loading when an error is encountered, use other values such as 'SKIP_FILE' or 'CONTINUE' for the ON_ERROR option. For more information on loading options, please run 'info loading_data' in a SQL client.";
const CORRUPT_PARQUET =
  'Error parsing the parquet file: Invalid: Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file.';

function parseOnError(value: string | undefined): OnError {
  const text = (value ?? 'ABORT_STATEMENT').toUpperCase();
  if (text === 'ABORT_STATEMENT') return { mode: 'ABORT_STATEMENT' };
  if (text === 'CONTINUE') return { mode: 'CONTINUE' };
  if (text === 'SKIP_FILE') return { mode: 'SKIP_FILE', limit: 1, percent: false };
  const m = /^SKIP_FILE_(\d+)(%?)$/.exec(text);
  if (m) return { mode: 'SKIP_FILE', limit: Number(m[1]), percent: m[2] === '%' };
  throw sqlErrors.invalidValue(`invalid value '${value}' for copy option ON_ERROR`);
}

function errorLimit(onError: OnError, rowsParsed: number): number {
  if (onError.mode === 'ABORT_STATEMENT') return 1;
  if (onError.mode === 'CONTINUE') return rowsParsed;
  return onError.percent ? Math.max(1, Math.ceil((rowsParsed * onError.limit) / 100)) : onError.limit;
}

/** The conversion failure a value of a column type produces in Snowflake. */
function conversionError(column: ColumnDef, value: string): { code: string; sqlState: string; message: string } {
  switch (column.type.rowType) {
    case 'fixed':
    case 'real':
      return { code: '100038', sqlState: '22018', message: `Numeric value '${value}' is not recognized` };
    case 'date':
      return { code: '100040', sqlState: '22007', message: `Date '${value}' is not recognized` };
    case 'time':
      return { code: '100108', sqlState: '22007', message: `Time '${value}' is not recognized` };
    case 'timestamp_ntz':
    case 'timestamp_ltz':
    case 'timestamp_tz':
      return { code: '100035', sqlState: '22007', message: `Timestamp '${value}' is not recognized` };
    case 'boolean':
      return { code: '100037', sqlState: '22018', message: `Boolean value '${value}' is not recognized` };
    default:
      return { code: '100069', sqlState: '22P02', message: `Error parsing JSON: ${value}` };
  }
}

function resolveFormat(ctx: StatementContext, options: OptionMap, stageFormat: FileFormatSpec | null): FileFormatSpec {
  const group = optionGroup(options.get('FILE_FORMAT'));
  let spec = stageFormat;
  if (group) {
    const name = optionText(group.get('FORMAT_NAME'));
    if (name) authorizeStageObject(ctx, 'file format', name);
    spec = name ? resolveFileFormat(ctx.engine.catalog, ctx.session.state, name).spec : fileFormatSpec(group);
  }
  const type = spec?.type ?? 'CSV';
  if (type !== 'PARQUET') throw sqlErrors.unsupported(`COPY INTO from ${type} files (the emulator loads PARQUET only)`);
  return spec as FileFormatSpec;
}

function parseCopy(ctx: StatementContext): {
  plan: Omit<CopyPlan, 'files' | 'useLogicalType'>;
  /** `url`: the stage's URL (or the external location's folder), what COPY_HISTORY reports as STAGE_LOCATION. */
  location: { url: string; path: string };
  pattern?: RegExp;
  fileList: string[] | null;
  stageFormat: FileFormatSpec | null;
  options: OptionMap;
} {
  const c = ctx.cursor;
  c.expectWords('COPY', 'INTO');
  if (c.peek()?.kind === 'stage' || c.peek()?.kind === 'string')
    throw sqlErrors.unsupported('COPY INTO <location> (unloading)');
  const parts = c.objectName();
  const { ref, table } = resolveTable(ctx.engine.catalog, ctx.session.state, parts, 'COPY');
  authorizeTable(ctx, ref, table, 'INSERT');
  if (c.isOp('(')) throw sqlErrors.unsupported('COPY INTO with a column list');
  c.expectWords('FROM');
  const source = c.next();
  let location: { url: string; path: string };
  let stageFormat: FileFormatSpec | null = null;
  if (source.kind === 'stage') {
    const { nameParts, path } = parseStageReference(source.value);
    const stage = resolveStage(ctx.engine.catalog, ctx.session.state, nameParts);
    authorizeStageObject(ctx, 'stage', nameParts);
    location = { url: stage.url, path };
    if (stage.fileFormatName) authorizeStageObject(ctx, 'file format', stage.fileFormatName);
    stageFormat = stageFileFormat(ctx.engine.catalog, ctx.session.state, stage);
  } else if (source.kind === 'string' && /^s3a?:\/\//.test(source.value)) {
    location = { url: source.value.replace(/[^/]*$/, ''), path: source.value.replace(/^.*\//, '') };
  } else if (source.text === '(') {
    throw sqlErrors.unsupported('COPY INTO with a transformation (FROM (SELECT ...))');
  } else return c.fail(source);
  const options = c.optionList();
  c.expectEnd();
  if (options.has('VALIDATION_MODE')) throw sqlErrors.unsupported('COPY INTO ... VALIDATION_MODE');
  const match = (optionText(options.get('MATCH_BY_COLUMN_NAME')) ?? 'NONE').toUpperCase();
  if (match !== 'NONE' && match !== 'CASE_SENSITIVE' && match !== 'CASE_INSENSITIVE')
    throw sqlErrors.invalidValue(`invalid value '${match}' for copy option MATCH_BY_COLUMN_NAME`);
  const files = options.get('FILES');
  return {
    plan: {
      table,
      qualifiedName: ref.qualified,
      onError: parseOnError(optionText(options.get('ON_ERROR'))),
      matchByName: match,
      force: optionBool(options.get('FORCE')) ?? false,
      purge: optionBool(options.get('PURGE')) ?? false,
      returnFailedOnly: optionBool(options.get('RETURN_FAILED_ONLY')) ?? false,
    },
    location,
    pattern: patternRegExp(optionText(options.get('PATTERN'))),
    fileList: files ? optionStrings(files) : null,
    stageFormat,
    options,
  };
}

/** Maps each table column to the Parquet column it loads from (or null). */
function columnMapping(plan: CopyPlan, fileColumns: string[]): (string | null)[] {
  const columns = plan.table.columns;
  if (plan.matchByName === 'NONE') {
    const only = columns[0];
    if (columns.length === 1 && only && ['variant', 'object'].includes(only.type.rowType)) return ['*'];
    throw new SnowflakeError(
      '002019',
      '0A000',
      'SQL compilation error:\nPARQUET file format can produce one and only one column of type variant, object, or array. Load data into separate columns using the MATCH_BY_COLUMN_NAME copy option or copy with transformation.',
    );
  }
  return columns.map((column) => {
    if (plan.matchByName === 'CASE_SENSITIVE') return fileColumns.includes(column.name) ? column.name : null;
    return fileColumns.find((f) => f.toUpperCase() === column.name.toUpperCase()) ?? null;
  });
}

/*
 * Parquet timestamps written with isAdjustedToUTC = true hold UTC instants.
 * Unless the file format says USE_LOGICAL_TYPE = TRUE (default FALSE),
 * Snowflake ignores that flag and loads the stored UTC wall clock as if it
 * were a TIMESTAMP_NTZ: into TIMESTAMP_NTZ unchanged, into TIMESTAMP_LTZ /
 * _TZ read in the session's TIMEZONE (so the instant moves by the session's
 * offset). Sources: snowflakedb/snowflake-connector-python issues #1687 and
 * #1688 ("Snowflake uses only the TIMESTAMP_NTZ from the parquet file ...
 * then casts the TIMESTAMP_NTZ to TIMESTAMP_TZ using the session's
 * timezone"); bruin-data/ingestr pull #775 (USE_LOGICAL_TYPE defaults to
 * false for Parquet COPY; TRUE makes Snowflake honour the logical types).
 * With USE_LOGICAL_TYPE = TRUE the instant is kept for LTZ/TZ targets.
 */

/**
 * The first_error of a file that cannot be read as Parquet, in Snowflake's
 * words. DuckDB's own message names the emulator's local file path, which no
 * client may see: a file without Parquet's magic bytes gets Snowflake's
 * message for it, anything else DuckDB's first line with local paths turned
 * back into the file's URL.
 */
function unreadableParquet(err: unknown, file: StagedFile, objectStoreRoot: string): string {
  const detail = String((err as Error).message ?? err).split('\n')[0] ?? '';
  if (/magic bytes/i.test(detail)) return CORRUPT_PARQUET;
  const clean = detail.split(file.localPath).join(file.url).split(objectStoreRoot).join('');
  return `Error parsing the parquet file: ${clean.replace(/^[A-Za-z ]+Error: /, '')}`;
}

/** A loaded value cast to its column's type; TIMESTAMP_TZ takes the session zone's offset (timestamp-tz.ts). */
function castLoaded(value: string, type: ColumnType): string {
  if (type.rowType === 'timestamp_tz') return `sf_tz_of_instant(TRY_CAST(${value} AS TIMESTAMPTZ))`;
  return `TRY_CAST(${value} AS ${type.duck})`;
}

/** Validates one file: counts rows and errors, finds the first error, and prepares its converted rows. */
async function examineFile(ctx: StatementContext, plan: CopyPlan, file: StagedFile): Promise<FileOutcome> {
  const injected = ctx.engine
    .failingFiles()
    .find((f) => (typeof f.match === 'string' ? file.url.includes(f.match) : f.match.test(file.url)));
  const fileFailure = (message: string): FileOutcome => ({
    file,
    rowsParsed: 0,
    errorsSeen: 1,
    firstError: { code: '100071', sqlState: '22000', message, line: 0, character: 0, columnName: null },
    convertedSql: null,
  });
  if (injected) return fileFailure(injected.message ?? CORRUPT_PARQUET);
  if (file.size === 0) return { file, rowsParsed: 0, errorsSeen: 0, firstError: null, convertedSql: null };
  const source = `read_parquet(${duckString(file.localPath)}, file_row_number = true)`;
  let fileColumns: string[];
  /** Parquet timestamps written with isAdjustedToUTC = true (DuckDB reads them as TIMESTAMPTZ). */
  const utcAdjusted = new Set<string>();
  try {
    const probe = await runDuck(ctx.session.connection, `SELECT * FROM ${source} LIMIT 0`, ctx.signal);
    fileColumns = probe.columnNames().filter((n) => n !== 'file_row_number');
    probe.columnTypes().forEach((type, i) => {
      if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ) utcAdjusted.add(probe.columnName(i));
    });
  } catch (err) {
    if ((err as { code?: string }).code === '000604') throw err;
    return fileFailure(unreadableParquet(err, file, ctx.engine.objectStore.root));
  }
  const mapping = columnMapping(plan, fileColumns);
  const columns = plan.table.columns;
  const selects: string[] = ['file_row_number + 1 AS __row'];
  const errorChecks: string[] = [];
  columns.forEach((column, i) => {
    const from = mapping[i];
    const src = from === '*' ? `to_json(src)` : from === null || from === undefined ? 'NULL' : `src.${duckIdent(from)}`;
    const converted =
      from === '*'
        ? `json_object(${fileColumns.map((f) => `${duckString(f)}, src.${duckIdent(f)}`).join(', ')})`
        : column.type.duck === 'JSON'
          ? `to_json(${src})`
          : castLoaded(
              from && utcAdjusted.has(from) && (column.type.rowType === 'timestamp_ntz' || !plan.useLogicalType)
                ? // See parquetTimestamp: the stored UTC wall clock, read as the target type reads a wall clock.
                  `timezone('UTC', ${src})`
                : src,
              column.type,
            );
    const length = column.type.rowType === 'text' ? column.type.length : undefined;
    const tooLong =
      length !== undefined && length < 16_777_216 ? `WHEN length(CAST(${src} AS VARCHAR)) > ${length} THEN 3 ` : '';
    selects.push(`${converted} AS c_${i}`);
    selects.push(`CAST(${src} AS VARCHAR) AS s_${i}`);
    errorChecks.push(
      `CASE WHEN ${src} IS NOT NULL AND ${converted} IS NULL THEN 1 ${tooLong}WHEN ${column.nullable ? 'FALSE' : `${converted} IS NULL`} THEN 2 ELSE 0 END AS e_${i}`,
    );
  });
  const convertedSql = `SELECT ${[...selects, ...errorChecks].join(', ')} FROM ${source} AS src`;
  const anyError = columns.map((_, i) => `e_${i} <> 0`).join(' OR ') || 'FALSE';
  let stats: unknown[];
  try {
    const result = await runDuck(
      ctx.session.connection,
      `SELECT count(*)::BIGINT, count(*) FILTER (WHERE ${anyError})::BIGINT FROM (${convertedSql})`,
      ctx.signal,
    );
    stats = ((await result.getRows())[0] ?? [0n, 0n]) as unknown[];
  } catch (err) {
    if ((err as { code?: string }).code === '000604') throw err;
    return fileFailure(unreadableParquet(err, file, ctx.engine.objectStore.root));
  }
  const rowsParsed = Number(stats[0]);
  const errorsSeen = Number(stats[1]);
  let firstError: FileError | null = null;
  if (errorsSeen > 0) {
    const result = await runDuck(
      ctx.session.connection,
      `SELECT * FROM (${convertedSql}) WHERE ${anyError} ORDER BY __row LIMIT 1`,
      ctx.signal,
    );
    const row = (await result.getRowObjects())[0] ?? {};
    const i = columns.findIndex((_, k) => Number(row[`e_${k}`]) !== 0);
    const column = columns[i] as ColumnDef;
    const kind = Number(row[`e_${i}`]);
    const value = String(row[`s_${i}`] ?? '');
    const detail =
      kind === 1
        ? conversionError(column, value)
        : kind === 3
          ? { code: '100074', sqlState: '22000', message: `String '${value}' is too long and would be truncated` }
          : { code: '100072', sqlState: '22000', message: 'NULL result in a non-nullable column' };
    firstError = {
      ...detail,
      line: Number(row.__row),
      character: 1,
      columnName: `"${plan.table.name}"["${column.name}":${i + 1}]`,
    };
  }
  return { file, rowsParsed, errorsSeen, firstError, convertedSql };
}

function abortError(outcome: FileOutcome): SnowflakeError {
  const e = outcome.firstError as FileError;
  const where = e.columnName
    ? `\n  File '${outcome.file.url}', line ${e.line}, character ${e.character}\n  Row ${e.line}, column ${e.columnName}`
    : `\n  File '${outcome.file.url}'`;
  return new SnowflakeError(e.code, e.sqlState, `${e.message}${where}\n  ${ON_ERROR_HINT}`);
}

/**
 * COPY INTO <table> FROM @stage[/path] [FILES = (...)] [PATTERN = '...']
 *   [FILE_FORMAT = (TYPE = PARQUET | FORMAT_NAME = '...')] [MATCH_BY_COLUMN_NAME = ...]
 *   [ON_ERROR = ABORT_STATEMENT | CONTINUE | SKIP_FILE | SKIP_FILE_n | 'SKIP_FILE_n%']
 *   [FORCE = TRUE] [PURGE = TRUE] [RETURN_FAILED_ONLY = TRUE]
 *
 * Answers one row per file (file, status, rows_parsed, rows_loaded,
 * error_limit, errors_seen, first_error, first_error_line,
 * first_error_character, first_error_column_name), or the single
 * "Copy executed with 0 files processed." row. Files already loaded into the
 * table (same URL and checksum) are skipped unless FORCE. ABORT_STATEMENT
 * loads nothing if any file has an error and fails the statement (and, not
 * having completed, leaves no load history). A completed COPY records one
 * load event per file it examined, for COPY_HISTORY.
 */
export async function copyInto(ctx: StatementContext): Promise<StatementResult> {
  const parsed = parseCopy(ctx);
  const format = resolveFormat(ctx, parsed.options, parsed.stageFormat);
  requireWarehouse(ctx);
  let files = await listStagedFiles(ctx.engine.objectStore, parsed.location.url, parsed.location.path, parsed.pattern);
  if (parsed.fileList) {
    const wanted = parsed.fileList.map((f) => f.replace(/^\/+/, ''));
    const prefix = parsed.location.path.replace(/\/?$/, parsed.location.path ? '/' : '');
    files = files.filter((f) => wanted.some((w) => f.relativePath === w || f.relativePath === `${prefix}${w}`));
  }
  const useLogicalType = /^true$/i.test(format.options.USE_LOGICAL_TYPE ?? '');
  const plan: CopyPlan = { ...parsed.plan, files, useLogicalType };
  const toLoad = files.filter((f) => plan.force || !ctx.engine.loadMetadata.isLoaded(plan.table.id, f.url, f.md5));
  if (toLoad.length === 0)
    return { columns: [col.text('status', false)], rows: [[ZERO_FILES]], statementTypeId: StatementType.COPY };

  const outcomes: FileOutcome[] = [];
  for (const file of toLoad) {
    const outcome = await examineFile(ctx, plan, file);
    if (plan.onError.mode === 'ABORT_STATEMENT' && outcome.errorsSeen > 0) throw abortError(outcome);
    outcomes.push(outcome);
  }

  const connection = ctx.session.connection;
  const ownTransaction = !ctx.session.state.inTransaction;
  const rows: unknown[][] = [];
  const loaded: { outcome: FileOutcome; rowsLoaded: number; status: 'LOADED' | 'PARTIALLY_LOADED' }[] = [];
  const events: Omit<LoadEvent, 'lastLoadTime'>[] = [];
  if (ownTransaction) await runDuck(connection, 'BEGIN TRANSACTION');
  try {
    for (const outcome of outcomes) {
      const limit = errorLimit(plan.onError, outcome.rowsParsed);
      let rowsLoaded = 0;
      let status: 'LOADED' | 'PARTIALLY_LOADED' | 'LOAD_FAILED';
      const skipWhole = plan.onError.mode === 'SKIP_FILE' && outcome.errorsSeen >= limit;
      if (outcome.errorsSeen > 0 && (skipWhole || outcome.convertedSql === null)) status = 'LOAD_FAILED';
      else {
        if (outcome.convertedSql !== null) {
          const columns = plan.table.columns;
          const ok = columns.map((_, i) => `e_${i} = 0`).join(' AND ') || 'TRUE';
          const result = await runDuck(
            connection,
            `INSERT INTO ${plan.table.physical} (${columns.map((c) => duckIdent(c.name)).join(', ')}) SELECT ${columns.map((_, i) => `c_${i}`).join(', ')} FROM (${outcome.convertedSql}) WHERE ${ok}`,
            ctx.signal,
          );
          rowsLoaded = result.rowsChanged;
        }
        status = outcome.errorsSeen === 0 ? 'LOADED' : rowsLoaded === 0 ? 'LOAD_FAILED' : 'PARTIALLY_LOADED';
      }
      if (status !== 'LOAD_FAILED') loaded.push({ outcome, rowsLoaded, status });
      const e = outcome.firstError;
      events.push({
        fileName: outcome.file.relativePath,
        stageLocation: parsed.location.url,
        rowCount: rowsLoaded,
        rowParsed: outcome.rowsParsed,
        fileSize: outcome.file.size,
        firstErrorMessage: e?.message ?? null,
        firstErrorLineNumber: e ? e.line : null,
        firstErrorCharacterPos: e ? e.character : null,
        firstErrorColumnName: e?.columnName ?? null,
        errorCount: outcome.errorsSeen,
        errorLimit: limit,
        status: HISTORY_STATUS[status],
      });
      if (!plan.returnFailedOnly || outcome.errorsSeen > 0) {
        rows.push([
          outcome.file.url,
          status,
          outcome.rowsParsed,
          rowsLoaded,
          limit,
          outcome.errorsSeen,
          e?.message ?? null,
          e ? e.line : null,
          e ? e.character : null,
          e?.columnName ?? null,
        ]);
      }
    }
    if (ownTransaction) await runDuck(connection, 'COMMIT');
  } catch (err) {
    if (ownTransaction) await runDuck(connection, 'ROLLBACK').catch(() => undefined);
    throw err;
  }
  // Recorded once the statement has completed, whether or not its client is still there to read the result.
  const now = ctx.engine.clock();
  for (const event of events) ctx.engine.loadMetadata.recordEvent(plan.table.id, { ...event, lastLoadTime: now });
  for (const { outcome, rowsLoaded, status } of loaded) {
    ctx.engine.loadMetadata.record(plan.table.id, {
      file: outcome.file.url,
      md5: outcome.file.md5,
      status,
      rowsLoaded,
      loadedAt: now,
    });
    if (plan.purge) await rm(outcome.file.localPath, { force: true });
  }
  return {
    columns: [
      col.text('file', false),
      col.text('status', false),
      col.number('rows_parsed'),
      col.number('rows_loaded'),
      col.number('error_limit'),
      col.number('errors_seen'),
      col.text('first_error'),
      col.number('first_error_line'),
      col.number('first_error_character'),
      col.text('first_error_column_name'),
    ],
    rows,
    statementTypeId: StatementType.COPY,
  };
}
