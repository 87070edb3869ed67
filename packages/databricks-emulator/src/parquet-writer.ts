import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  dateValue,
  timestampTZValue,
  timestampValue,
} from '@duckdb/node-api';
import type { Cell } from './data/synthetic-rows.js';
import type { ColumnType } from './fixture-types.js';

export interface ParquetColumn {
  name: string;
  type: ColumnType;
  /** The DuckDB type to store it as (see COLUMN_TYPES). */
  duckdbType: string;
}

/** What a Parquet file carries besides its rows. */
export interface ParquetFileOptions {
  /** Parquet field_id per column name (Iceberg readers resolve columns by these ids). */
  fieldIds?: Record<string, number>;
  /** File key-value metadata (for example `iceberg.schema`). */
  keyValueMetadata?: Record<string, string>;
}

/**
 * Writes Parquet files with an embedded DuckDB. Each file is written under `tempDir` and then
 * renamed into place, so a reader listing the destination never sees a half-written file
 * (tempDir must be on the same filesystem). Writes are serialised on one connection.
 */
export class ParquetWriter {
  private instance: DuckDBInstance | undefined;
  private connection: DuckDBConnection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private counter = 0;

  constructor(private readonly tempDir: string) {}

  /** Writes `rows` to `path` (a local path) atomically; resolves when the file is in place. */
  write(path: string, columns: ParquetColumn[], rows: Cell[][], options: ParquetFileOptions = {}): Promise<void> {
    const job = this.queue.then(() => this.writeNow(path, columns, rows, options));
    this.queue = job.catch(() => undefined);
    return job;
  }

  /**
   * Writes newline-delimited JSON objects to `path` as Parquet with the given column types (DuckDB type names,
   * nested STRUCT / MAP / LIST allowed), atomically; a field a row lacks is null. For files of nested records such
   * as a Delta checkpoint.
   */
  writeJsonRows(path: string, jsonLines: string, columnTypes: Record<string, string>): Promise<void> {
    const job = this.queue.then(() => this.writeJsonNow(path, jsonLines, columnTypes));
    this.queue = job.catch(() => undefined);
    return job;
  }

  close(): void {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
    this.instance = undefined;
  }

  private async open(): Promise<DuckDBConnection> {
    if (!this.connection) {
      this.instance = await DuckDBInstance.create(':memory:', { threads: '1' });
      this.connection = await this.instance.connect();
    }
    return this.connection;
  }

  private async writeJsonNow(path: string, jsonLines: string, columnTypes: Record<string, string>): Promise<void> {
    const connection = await this.open();
    await mkdir(this.tempDir, { recursive: true });
    const source = join(this.tempDir, `${randomUUID()}.json`);
    const temp = join(this.tempDir, `${randomUUID()}.parquet`);
    const columns = `{${Object.entries(columnTypes)
      .map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(type)}`)
      .join(', ')}}`;
    try {
      await writeFile(source, jsonLines);
      await connection.run(
        `COPY (SELECT * FROM read_json(${quoteLiteral(source)}, format = 'newline_delimited', columns = ${columns})) TO ${quoteLiteral(temp)} (FORMAT PARQUET, COMPRESSION SNAPPY)`,
      );
      await mkdir(dirname(path), { recursive: true });
      await rename(temp, path);
    } finally {
      await rm(source, { force: true });
      await rm(temp, { force: true });
    }
  }

  private async writeNow(
    path: string,
    columns: ParquetColumn[],
    rows: Cell[][],
    options: ParquetFileOptions,
  ): Promise<void> {
    const connection = await this.open();
    const table = `rows_${++this.counter}`;
    const columnList = columns.map((c) => `${quoteIdent(c.name)} ${c.duckdbType}`).join(', ');
    await connection.run(`CREATE TABLE ${table} (${columnList})`);
    const temp = join(this.tempDir, `${randomUUID()}.parquet`);
    try {
      const appender = await connection.createAppender(table);
      try {
        for (const row of rows) {
          columns.forEach((column, i) => {
            append(appender, column, row[i] ?? null);
          });
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      await mkdir(this.tempDir, { recursive: true });
      await connection.run(`COPY ${table} TO ${quoteLiteral(temp)} (${copyOptions(options).join(', ')})`);
      await mkdir(dirname(path), { recursive: true });
      await rename(temp, path);
    } finally {
      await connection.run(`DROP TABLE IF EXISTS ${table}`);
      await rm(temp, { force: true });
    }
  }
}

/** DuckDB COPY ... TO options: Parquet with Snappy, plus field ids and key-value metadata when given. */
function copyOptions(options: ParquetFileOptions): string[] {
  const list = ['FORMAT PARQUET', 'COMPRESSION SNAPPY'];
  const struct = (entries: [string, string][]) =>
    `{${entries.map(([key, value]) => `${quoteLiteral(key)}: ${value}`).join(', ')}}`;
  if (options.fieldIds)
    list.push(`FIELD_IDS ${struct(Object.entries(options.fieldIds).map(([name, id]) => [name, String(id)]))}`);
  if (options.keyValueMetadata)
    list.push(
      `KV_METADATA ${struct(Object.entries(options.keyValueMetadata).map(([key, value]) => [key, quoteLiteral(value)]))}`,
    );
  return list;
}

function append(appender: DuckDBAppender, column: ParquetColumn, value: Cell): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (column.duckdbType) {
    case 'VARCHAR':
      appender.appendVarchar(String(value));
      return;
    case 'BIGINT':
      appender.appendBigInt(BigInt(value));
      return;
    case 'INTEGER':
      appender.appendInteger(Number(value));
      return;
    case 'DOUBLE':
      appender.appendDouble(Number(value));
      return;
    case 'BOOLEAN':
      appender.appendBoolean(Boolean(value));
      return;
    case 'DATE':
      appender.appendDate(dateValue(Number(value)));
      return;
    case 'TIMESTAMP':
      appender.appendTimestamp(timestampValue(BigInt(value)));
      return;
    case 'TIMESTAMPTZ':
      appender.appendTimestampTZ(timestampTZValue(BigInt(value)));
      return;
    default:
      throw new Error(`unsupported DuckDB type ${column.duckdbType}`);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
