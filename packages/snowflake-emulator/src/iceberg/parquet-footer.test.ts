import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetColumnNames } from './parquet-footer.js';

// The footer reader must name exactly the columns DuckDB's read_parquet names (what it replaced), for
// files whose schemas exercise every Thrift shape a footer carries: nested groups (struct, list, map),
// more than 14 columns (a list header with its size in a varint), logical types, key-value metadata.
let dir: string;
let connection: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'd2s-parquet-footer-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(() => {
  connection.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function written(name: string, select: string, options = ''): Promise<string> {
  const path = join(dir, name);
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet${options})`);
  return path;
}

async function duckdbNames(path: string): Promise<string[]> {
  return (await connection.run(`SELECT * FROM read_parquet(['${path}']) LIMIT 0`)).columnNames();
}

describe('parquetColumnNames', () => {
  it('names the top-level columns of flat and nested schemas as DuckDB does', async () => {
    const path = await written(
      'nested.parquet',
      `SELECT 1::BIGINT AS id, 'x' AS "Name", {'a': 1, 'b': {'c': [1, 2]}} AS "payLoad",
              [{'k': 1}] AS items, MAP {'k': 2} AS attrs, 1.5::DECIMAL(18, 3) AS amount,
              TIMESTAMP '2026-01-02 03:04:05' AS updated_at, true AS flag, NULL::VARCHAR AS empty`,
      ", KV_METADATA {origin: 'test'}",
    );
    const names = parquetColumnNames(path);
    expect(names).toEqual(await duckdbNames(path));
    expect(names).toEqual(['id', 'Name', 'payLoad', 'items', 'attrs', 'amount', 'updated_at', 'flag', 'empty']);
  });

  it('reads a schema of more columns than a short list header holds', async () => {
    const columns = Array.from({ length: 40 }, (_, i) => `${i} AS c${i}`).join(', ');
    const path = await written('wide.parquet', `SELECT ${columns}`, ', COMPRESSION zstd, ROW_GROUP_SIZE 1');
    const names = parquetColumnNames(path);
    expect(names).toHaveLength(40);
    expect(names).toEqual(await duckdbNames(path));
  });

  it('is undefined for a file that is not Parquet or whose footer is cut', async () => {
    const notParquet = join(dir, 'not.parquet');
    writeFileSync(notParquet, 'id,name\n1,x\n');
    expect(parquetColumnNames(notParquet)).toBeUndefined();
    expect(parquetColumnNames(join(dir, 'missing.parquet'))).toBeUndefined();

    const good = readFileSync(await written('cut.parquet', 'SELECT 1 AS id, 2 AS other'));
    const length = good.readUInt32LE(good.length - 8);
    // The footer's length and magic kept, its first bytes gone: the schema no longer decodes.
    const cut = Buffer.concat([
      good.subarray(0, good.length - 8 - length),
      good.subarray(good.length - 8 - length + 20),
    ]);
    const cutPath = join(dir, 'cut-footer.parquet');
    writeFileSync(cutPath, cut);
    expect(parquetColumnNames(cutPath)).toBeUndefined();
  });
});
