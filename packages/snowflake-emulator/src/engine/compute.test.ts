import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * 000606 without a current warehouse, through the unmodified driver.
 *
 * Sources:
 * - Warehouses overview (https://docs.snowflake.com/en/user-guide/warehouses-overview):
 *   a warehouse is needed for SELECTs that retrieve rows from tables, DML
 *   (INSERT, UPDATE, DELETE) and COPY INTO; metadata operations do not.
 * - The error as Snowflake sends it, code 000606, SQL state 57P03: "No active
 *   warehouse selected in the current session.  Select an active warehouse
 *   with the 'use warehouse' command." (quoted in snowflake-connector-python
 *   and dbt-snowflake issues).
 */

const NO_WAREHOUSE =
  "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.";

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness({ requireWarehouse: true });
  c = await h.connect();
  await c.rows('create database wh_db');
  await c.rows('create table t (n int)');
  await c.rows("create stage st url = 's3://lake/none/'");
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('statements that need compute', () => {
  it('fail with 000606 while the session has no warehouse', async () => {
    for (const sql of [
      'select * from t',
      'insert into t values (1)',
      'update t set n = 2',
      'delete from t',
      'copy into t from @st file_format = (type = parquet)',
    ]) {
      const err = await failureOf(c.execute(sql));
      expect({ sql, code: err.code, sqlState: err.sqlState, message: err.message }).toEqual({
        sql,
        code: '000606',
        sqlState: '57P03',
        message: NO_WAREHOUSE,
      });
    }
  });

  it('metadata statements and table-less SELECTs run without one', async () => {
    expect(await c.rows('select 1 as one, current_warehouse() as wh')).toEqual([{ ONE: 1, WH: null }]);
    expect((await c.rows('show tables')).map((r) => r.name)).toEqual(['T']);
    expect((await c.rows('describe table t')).map((r) => r.name)).toEqual(['N']);
    await c.rows('create table t2 (n int)');
  });

  it('run once a warehouse is in use, and fail again after it is dropped', async () => {
    await c.rows('create warehouse wh');
    await c.rows('use warehouse wh');
    await c.rows('insert into t values (1)');
    expect(await c.rows('select n from t')).toEqual([{ N: 1 }]);
    await c.rows('drop warehouse wh');
    expect((await failureOf(c.execute('select n from t'))).code).toBe('000606');
  });
});
