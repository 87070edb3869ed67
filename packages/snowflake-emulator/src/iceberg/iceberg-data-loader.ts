import type { ColumnDef, TableEntry } from '../engine/catalog.js';
import { runDuck } from '../engine/duck-results.js';
import { duckIdent, duckString } from '../engine/sql-lexer.js';
import type { StatementContext } from '../engine/statement-context.js';
import { type ColumnType, types } from '../engine/type-mapping.js';
import type { IcebergField, LoadTableResult } from './rest-catalog-client.js';
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

/** Replaces the table's rows with those of `files` (from planIcebergScan). Columns are matched by name. */
export async function loadIcebergData(ctx: StatementContext, table: TableEntry, files: string[]): Promise<void> {
  const connection = ctx.session.connection;
  await runDuck(connection, `DELETE FROM ${table.physical}`);
  if (files.length === 0) return;
  const source = `read_parquet([${files.map(duckString).join(', ')}], union_by_name = true)`;
  const probe = await runDuck(connection, `SELECT * FROM ${source} LIMIT 0`);
  const available = probe.columnNames();
  const selects = table.columns.map((column) => {
    const from =
      available.find((n) => n === column.name) ?? available.find((n) => n.toLowerCase() === column.name.toLowerCase());
    if (from === undefined) return 'NULL';
    return column.type.duck === 'JSON'
      ? `to_json(src.${duckIdent(from)})`
      : `CAST(src.${duckIdent(from)} AS ${column.type.duck})`;
  });
  await runDuck(
    connection,
    `INSERT INTO ${table.physical} SELECT ${selects.join(', ')} FROM ${source} AS src`,
    ctx.signal,
  );
}
