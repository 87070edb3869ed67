import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * The column lists SHOW TABLES / SCHEMAS / DATABASES hand the unmodified
 * driver: tools read these rows by name and often by position.
 *
 * Sources:
 * - SHOW TABLES, "Output" (https://docs.snowflake.com/en/sql-reference/sql/show-tables#output):
 *   created_on … is_immutable in the order below; TERSE keeps created_on,
 *   name, kind, database_name, schema_name.
 * - SHOW SCHEMAS, "Output" (https://docs.snowflake.com/en/sql-reference/sql/show-schemas#output).
 * - SHOW DATABASES, "Output" (https://docs.snowflake.com/en/sql-reference/sql/show-databases#output),
 *   and a real account's header quoted in Embucket/embucket-labs#1462
 *   (created_on, name, is_default, is_current, origin, owner, comment,
 *   options, retention_time, kind, owner_role_type, …).
 * - Column types are not in the docs' Output tables; created_on as
 *   TIMESTAMP_LTZ and rows/bytes as NUMBER are the emulator's reading of
 *   the docs' examples, not confirmed against a live account.
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database show_db');
  await c.rows('create table t (id int)');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const columnsOf = async (sql: string) => (await c.execute(sql)).columns.map((col) => [col.name, col.type]);
const text = (name: string) => [name, 'text'];

describe('SHOW output columns', () => {
  it('SHOW TABLES', async () => {
    expect(await columnsOf('show tables')).toEqual([
      ['created_on', 'timestamp_ltz'],
      text('name'),
      text('database_name'),
      text('schema_name'),
      text('kind'),
      text('comment'),
      text('cluster_by'),
      ['rows', 'fixed'],
      ['bytes', 'fixed'],
      text('owner'),
      text('retention_time'),
      text('automatic_clustering'),
      text('change_tracking'),
      text('search_optimization'),
      text('search_optimization_progress'),
      text('search_optimization_bytes'),
      text('is_external'),
      text('enable_schema_evolution'),
      text('owner_role_type'),
      text('is_event'),
      text('budget'),
      text('is_hybrid'),
      text('is_iceberg'),
      text('is_dynamic'),
      text('is_immutable'),
    ]);
    expect(await columnsOf('show terse tables')).toEqual([
      ['created_on', 'timestamp_ltz'],
      text('name'),
      text('kind'),
      text('database_name'),
      text('schema_name'),
    ]);
  });

  it('SHOW SCHEMAS', async () => {
    expect(await columnsOf('show schemas')).toEqual([
      ['created_on', 'timestamp_ltz'],
      text('name'),
      text('is_default'),
      text('is_current'),
      text('database_name'),
      text('owner'),
      text('comment'),
      text('options'),
      text('retention_time'),
      text('owner_role_type'),
    ]);
  });

  it('SHOW DATABASES', async () => {
    expect(await columnsOf('show databases')).toEqual([
      ['created_on', 'timestamp_ltz'],
      text('name'),
      text('is_default'),
      text('is_current'),
      text('origin'),
      text('owner'),
      text('comment'),
      text('options'),
      text('retention_time'),
      text('kind'),
      text('owner_role_type'),
    ]);
    const [row] = await c.rows(`show databases like 'show_db'`);
    expect(row).toMatchObject({ name: 'SHOW_DB', is_current: 'Y', kind: 'STANDARD', owner_role_type: 'ROLE' });
  });
});
