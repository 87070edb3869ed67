import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Writes a Parquet file with DuckDB, from a SELECT that produces the rows
 * (for example `SELECT i AS order_id, 'x' || i AS sku FROM range(3) t(i)`).
 * Test-only: production code never writes Parquet.
 */
export async function writeParquet(path: string, select: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      await connection.run(`COPY (${select}) TO '${path.replaceAll("'", "''")}' (FORMAT PARQUET)`);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
