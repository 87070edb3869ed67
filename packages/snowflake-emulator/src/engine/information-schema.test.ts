import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * INFORMATION_SCHEMA views and QUERY_HISTORY, through the unmodified driver.
 *
 * Sources:
 * - TABLES (https://docs.snowflake.com/en/sql-reference/info-schema/tables),
 *   COLUMNS (.../info-schema/columns), SCHEMATA (.../info-schema/schemata):
 *   column names and order; the views show "only those objects for which the
 *   current role for the session has been granted access privileges";
 *   COLUMNS prints DATA_TYPE TEXT for strings and NUMBER for fixed point,
 *   with CHARACTER_MAXIMUM_LENGTH / NUMERIC_PRECISION / NUMERIC_SCALE.
 * - QUERY_HISTORY (https://docs.snowflake.com/en/sql-reference/functions/query_history):
 *   TABLE(INFORMATION_SCHEMA.QUERY_HISTORY()) / QUERY_HISTORY_BY_SESSION(),
 *   RESULT_LIMIT (default 100), newest first; QUERY_TAG and EXECUTION_STATUS
 *   columns.
 */

const ANALYST = { username: 'ANNA', password: 'anna-pw' };

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness({
    users: [{ name: ANALYST.username, password: ANALYST.password, defaultRole: 'ANALYST' }],
  });
  c = await h.connect();
  await c.rows('create database info_db');
  await c.rows('create schema info_db.sales');
  await c.rows(
    `create table info_db.sales.orders (id number(10,0) not null, region varchar(20), amount number(12,2), at timestamp_ntz(6))`,
  );
  await c.rows('create transient table info_db.public.scratch (note string)');
  await c.rows(`insert into info_db.sales.orders values (1, 'emea', 10.5, '2024-01-01 00:00:00')`);
  await h.emulator.admin.execute('create role analyst', { role: 'USERADMIN' });
  await h.emulator.admin.execute('grant role analyst to user anna', { role: 'SECURITYADMIN' });
  for (const sql of [
    'grant usage on database info_db to role analyst',
    'grant usage on schema info_db.sales to role analyst',
    'grant select on table info_db.sales.orders to role analyst',
  ])
    await h.emulator.admin.execute(sql, { role: 'SECURITYADMIN' });
}, 60_000);
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('INFORMATION_SCHEMA views', () => {
  it('TABLES lists the tables with their type, row count and owner', async () => {
    const rows = await c.rows(
      `select table_schema, table_name, table_type, is_transient, row_count, table_owner
         from info_db.information_schema.tables order by table_schema, table_name`,
    );
    expect(rows).toEqual([
      {
        TABLE_SCHEMA: 'PUBLIC',
        TABLE_NAME: 'SCRATCH',
        TABLE_TYPE: 'BASE TABLE',
        IS_TRANSIENT: 'YES',
        ROW_COUNT: 0,
        TABLE_OWNER: 'SYSADMIN',
      },
      {
        TABLE_SCHEMA: 'SALES',
        TABLE_NAME: 'ORDERS',
        TABLE_TYPE: 'BASE TABLE',
        IS_TRANSIENT: 'NO',
        ROW_COUNT: 1,
        TABLE_OWNER: 'SYSADMIN',
      },
    ]);
  });

  it('COLUMNS gives each column its position, nullability, type, length, precision and scale', async () => {
    await c.rows('use database info_db');
    const rows = await c.rows(
      `select column_name, ordinal_position, is_nullable, data_type, character_maximum_length,
              numeric_precision, numeric_scale, datetime_precision
         from information_schema.columns where table_name = 'ORDERS' order by ordinal_position`,
    );
    expect(rows).toEqual([
      {
        COLUMN_NAME: 'ID',
        ORDINAL_POSITION: 1,
        IS_NULLABLE: 'NO',
        DATA_TYPE: 'NUMBER',
        CHARACTER_MAXIMUM_LENGTH: null,
        NUMERIC_PRECISION: 10,
        NUMERIC_SCALE: 0,
        DATETIME_PRECISION: null,
      },
      {
        COLUMN_NAME: 'REGION',
        ORDINAL_POSITION: 2,
        IS_NULLABLE: 'YES',
        DATA_TYPE: 'TEXT',
        CHARACTER_MAXIMUM_LENGTH: 20,
        NUMERIC_PRECISION: null,
        NUMERIC_SCALE: null,
        DATETIME_PRECISION: null,
      },
      {
        COLUMN_NAME: 'AMOUNT',
        ORDINAL_POSITION: 3,
        IS_NULLABLE: 'YES',
        DATA_TYPE: 'NUMBER',
        CHARACTER_MAXIMUM_LENGTH: null,
        NUMERIC_PRECISION: 12,
        NUMERIC_SCALE: 2,
        DATETIME_PRECISION: null,
      },
      {
        COLUMN_NAME: 'AT',
        ORDINAL_POSITION: 4,
        IS_NULLABLE: 'YES',
        DATA_TYPE: 'TIMESTAMP_NTZ',
        CHARACTER_MAXIMUM_LENGTH: null,
        NUMERIC_PRECISION: null,
        NUMERIC_SCALE: null,
        DATETIME_PRECISION: 6,
      },
    ]);
  });

  it('SCHEMATA lists the schemas, INFORMATION_SCHEMA included', async () => {
    const rows = await c.rows('select schema_name, schema_owner from info_db.information_schema.schemata order by 1');
    expect(rows).toEqual([
      { SCHEMA_NAME: 'INFORMATION_SCHEMA', SCHEMA_OWNER: null },
      { SCHEMA_NAME: 'PUBLIC', SCHEMA_OWNER: 'SYSADMIN' },
      { SCHEMA_NAME: 'SALES', SCHEMA_OWNER: 'SYSADMIN' },
    ]);
  });

  it('shows a role only what it has been granted', async () => {
    const anna = await h.connect(ANALYST);
    expect(await anna.rows('select table_schema, table_name from info_db.information_schema.tables')).toEqual([
      { TABLE_SCHEMA: 'SALES', TABLE_NAME: 'ORDERS' },
    ]);
    expect(
      (await anna.rows('select schema_name from info_db.information_schema.schemata order by 1')).map(
        (r) => r.SCHEMA_NAME,
      ),
    ).toEqual(['INFORMATION_SCHEMA', 'SALES']);
    await anna.destroy();
  });
});

describe('QUERY_HISTORY', () => {
  it("lists the user's queries newest first with status, tag, role and error", async () => {
    await c.rows(`alter session set query_tag = 'nightly-load'`);
    await c.rows('select count(*) from info_db.sales.orders');
    await c.execute('select * from no_such_table').catch(() => undefined);
    const rows = await c.rows(
      `select query_text, query_type, execution_status, error_code, query_tag, role_name, user_name
         from table(information_schema.query_history_by_session(result_limit => 3))`,
    );
    expect(rows).toEqual([
      expect.objectContaining({ QUERY_TYPE: 'SELECT', EXECUTION_STATUS: 'RUNNING' }),
      {
        QUERY_TEXT: 'select * from no_such_table',
        QUERY_TYPE: 'SELECT',
        EXECUTION_STATUS: 'FAILED_WITH_ERROR',
        ERROR_CODE: '002003',
        QUERY_TAG: 'nightly-load',
        ROLE_NAME: 'SYSADMIN',
        USER_NAME: 'ALICE',
      },
      {
        QUERY_TEXT: 'select count(*) from info_db.sales.orders',
        QUERY_TYPE: 'SELECT',
        EXECUTION_STATUS: 'SUCCESS',
        ERROR_CODE: null,
        QUERY_TAG: 'nightly-load',
        ROLE_NAME: 'SYSADMIN',
        USER_NAME: 'ALICE',
      },
    ]);
    const all = await c.rows(`select count(*) as n from table(information_schema.query_history())`);
    expect(Number(all[0]?.N)).toBeGreaterThan(10);
    await c.rows('alter session unset query_tag');
  });

  it("does not show another user's queries", async () => {
    const anna = await h.connect(ANALYST);
    const rows = await anna.rows(`select distinct user_name from table(info_db.information_schema.query_history())`);
    expect(rows).toEqual([{ USER_NAME: 'ANNA' }]);
    await anna.destroy();
  });
});
