import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf, writeParquet } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * Errors as Snowflake words them, seen through the unmodified driver.
 *
 * Sources:
 * - A missing object is named as the statement wrote it: "002003 (42S02): SQL
 *   compilation error: Object '<my_table>' does not exist or not authorized."
 *   for an unqualified name (mindsdb/mindshub issue #9432) and
 *   "Object 'DATABASE.SCHEMA.ORDERS' does not exist or not authorized" for a
 *   qualified one (iqea-ai/duckdb-snowflake issue #38).
 * - Numeric overflow: "100046 (22003): Number out of representable range:
 *   type FIXED[SB16](38,12)" (calogica/dbt-expectations issue #16).
 * - NOT NULL: 100072 "NULL result in a non-nullable column" (Snowflake's
 *   load/DML error; same text as COPY's first_error for the case).
 * - Unknown query id: the driver's getResultsFromQueryId stops waiting and
 *   fails when /monitoring/queries answers no queries (NO_QUERY_DATA,
 *   snowflake-sdk lib/connection/connection.js extractQueryStatus).
 * - Corrupt Parquet in COPY: "Error parsing the parquet file: Invalid: Parquet
 *   magic bytes not found in footer. Either the file is corrupted or this is
 *   not a parquet file." (the emulator's fixture text for that case); the
 *   emulator's local paths never appear.
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database err_db');
  await c.rows('create table amounts (small number(2,0), required varchar not null)');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('errors as Snowflake words them', () => {
  it('names a missing table as the statement wrote it', async () => {
    const plain = await failureOf(c.execute('select * from nosuch'));
    expect(plain.code).toBe('002003');
    expect(plain.sqlState).toBe('42S02');
    expect(plain.message).toBe("SQL compilation error:\nObject 'NOSUCH' does not exist or not authorized.");
    const qualified = await failureOf(c.execute('select * from err_db.public."NoSuch"'));
    expect(qualified.message).toBe(
      `SQL compilation error:\nObject 'ERR_DB.PUBLIC."NoSuch"' does not exist or not authorized.`,
    );
  });

  it('reports numeric overflow with 100046 / 22003', async () => {
    const err = await failureOf(c.execute(`insert into amounts values (999, 'x')`));
    expect(err.code).toBe('100046');
    expect(err.sqlState).toBe('22003');
    expect(err.message).toMatch(/^Number out of representable range: type FIXED\[SB16\]\(2,0\)/);
  });

  it('reports a NULL in a NOT NULL column with 100072 / 22000', async () => {
    const err = await failureOf(c.execute('insert into amounts values (1, null)'));
    expect(err.code).toBe('100072');
    expect(err.sqlState).toBe('22000');
    expect(err.message).toBe('NULL result in a non-nullable column');
  });

  it('answers an unknown query id so that the driver stops waiting', async () => {
    const err = await failureOf(c.resultsFromQueryId('01b2c3d4-0000-0000-0000-000000000000'));
    expect(err.message).toMatch(/01b2c3d4-0000-0000-0000-000000000000/);
  });

  it('never shows the local path of a file COPY cannot read', async () => {
    const path = await writeParquet(h.root, 's3://lake/bad/part-0.parquet', 'SELECT 1 AS small');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, 'not a parquet file');
    await c.rows(`create stage bad_stage url = 's3://lake/bad/'`);
    const rows = await c.rows(
      `copy into amounts from @bad_stage file_format = (type = parquet) match_by_column_name = case_insensitive on_error = continue`,
    );
    const firstError = String(rows[0]?.first_error);
    expect(firstError).toBe(
      'Error parsing the parquet file: Invalid: Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file.',
    );
    expect(JSON.stringify(rows)).not.toContain(h.root);
  });
});
