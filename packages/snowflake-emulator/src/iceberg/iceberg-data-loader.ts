import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnDef, TableEntry } from '../engine/catalog.js';
import { runDuck } from '../engine/duck-results.js';
import { duckIdent, duckString } from '../engine/sql-lexer.js';
import type { StatementContext } from '../engine/statement-context.js';
import { type ColumnType, types } from '../engine/type-mapping.js';
import type { IcebergField, LoadTableResult } from './rest-catalog-client.js';
import { parquetColumnNames } from './parquet-footer.js';
import { currentSnapshotDataFiles } from './snapshot-files.js';

/** Snowflake's mapping of Iceberg types (docs: "Data types for Apache Iceberg tables"). */
export function columnTypeFromIceberg(type: IcebergField['type']): ColumnType {
  if (typeof type !== 'string') {
    if (type.type === 'list') return types.array();
    return types.object();
  }
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return types.number(Number(decimal[1]), Number(decimal[2]));
  switch (type) {
    case 'boolean':
      return types.boolean();
    case 'int':
      return types.number(10, 0);
    case 'long':
      return types.number(19, 0);
    case 'float':
    case 'double':
      return types.float();
    case 'date':
      return types.date();
    case 'time':
      return types.time(6);
    case 'timestamp':
      return types.timestampNtz(6);
    case 'timestamptz':
      return types.timestampLtz(6);
    case 'timestamp_ns':
      return types.timestampNtz(9);
    case 'timestamptz_ns':
      return types.timestampLtz(9);
    case 'binary':
      return types.binary();
    default:
      if (type.startsWith('fixed')) return types.binary();
      return types.varchar();
  }
}

/** The columns of the table's current schema. */
export function icebergColumns(result: LoadTableResult): ColumnDef[] {
  const metadata = result.metadata;
  const schema =
    metadata.schemas?.find((s) => s['schema-id'] === metadata['current-schema-id']) ??
    metadata.schemas?.[metadata.schemas.length - 1] ??
    metadata.schema;
  return (schema?.fields ?? []).map((f) => ({
    name: f.name,
    type: columnTypeFromIceberg(f.type),
    nullable: !f.required,
    comment: null,
  }));
}

/**
 * The local paths of the current snapshot's data files, found only by following the table's
 * metadata tree (snapshot-files.ts). Call it before touching the table, so a table whose
 * manifests are wrong keeps the rows it had.
 */
export async function planIcebergScan(ctx: StatementContext, loaded: LoadTableResult): Promise<string[]> {
  return (await currentSnapshotDataFiles(ctx.engine.objectStore, loaded.metadata)).map((f) => f.path);
}

/** The column names of `files` (their union), read on a connection of its own: no lock, no session needed. */
export async function parquetColumns(ctx: Pick<StatementContext, 'engine'>, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  return ctx.engine.withScratchConnection((connection) => fileColumnsOn(connection, files));
}

/**
 * parquetColumns: from the files' footers where they decode (parquet-footer.ts), else from DuckDB on `connection`
 * (whose error then says what is wrong with a file).
 */
export async function fileColumnsOn(connection: DuckDBConnection, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  return (
    footerColumns(files) ?? (await runDuck(connection, `SELECT * FROM ${parquetSource(files)} LIMIT 0`)).columnNames()
  );
}

/**
 * The union of the files' column names as read_parquet's union_by_name makes it (first spelling of a name, names
 * compared case-insensitively); undefined when a footer does not decode or one file names a column twice (DuckDB
 * renames the second, so only it knows its name).
 */
function footerColumns(files: string[]): string[] | undefined {
  const union = new Map<string, string>();
  for (const file of files) {
    const names = parquetColumnNames(file);
    if (!names) return undefined;
    const seen = new Set<string>();
    for (const name of names) {
      const key = name.toLowerCase();
      if (seen.has(key)) return undefined;
      seen.add(key);
      if (!union.has(key)) union.set(key, name);
    }
  }
  return [...union.values()];
}

/**
 * Replaces the table's rows with those of `files` (from planIcebergScan). Columns are matched by name.
 * `fresh`: the table was just created, so it has no rows to delete. `fileColumns`: the files' columns, when
 * read already (parquetColumns), so the caller holding the catalog lock does not read them under it.
 */
export async function loadIcebergData(
  ctx: StatementContext,
  table: TableEntry,
  files: string[],
  known: { fresh?: boolean; fileColumns?: string[] } = {},
): Promise<void> {
  const connection = ctx.session.connection;
  if (!known.fresh) await runDuck(connection, `DELETE FROM ${table.physical}`);
  if (files.length === 0) return;
  const available = known.fileColumns ?? (await fileColumnsOn(connection, files));
  await runDuck(connection, icebergInsertSql(table, files, available), ctx.signal);
}

/** The INSERT of loadIcebergData: the rows of `files` (holding the columns `available`), columns matched by name. */
export function icebergInsertSql(table: TableEntry, files: string[], available: string[]): string {
  const selects = table.columns.map((column) => {
    const from =
      available.find((n) => n === column.name) ?? available.find((n) => n.toLowerCase() === column.name.toLowerCase());
    if (from === undefined) return 'NULL';
    return column.type.duck === 'JSON'
      ? `to_json(src.${duckIdent(from)})`
      : `CAST(src.${duckIdent(from)} AS ${column.type.duck})`;
  });
  return `INSERT INTO ${table.physical} SELECT ${selects.join(', ')} FROM ${parquetSource(files)} AS src`;
}

function parquetSource(files: string[]): string {
  return `read_parquet([${files.map(duckString).join(', ')}], union_by_name = true)`;
}
