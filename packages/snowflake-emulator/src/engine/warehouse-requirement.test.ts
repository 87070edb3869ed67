import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness, TEST_WAREHOUSE } from '../../test-support/harness.js';
import { tokenize } from './sql-lexer.js';
import { needsWarehouse } from './warehouse-requirement.js';

/**
 * 000606 without a warehouse. Sources: "Warehouses are required for queries, as well as all DML operations,
 * including loading data into tables" (https://docs.snowflake.com/en/user-guide/warehouses); the answer's code,
 * SQL state and words, two spaces included, as quoted from a real account in
 * Snowflake-Labs/terraform-provider-snowflake pkg/resources/user_password_policy_attachment_acceptance_test.go:
 * "000606 (57P03): No active warehouse selected in the current session.  Select an active warehouse with the
 * 'use warehouse' command."; SHOW / DESCRIBE run without a warehouse ("SHOW/DESCRIBE run on the cloud-services
 * layer and need no warehouse", a Snowflake client's notes quoting the same error).
 */
describe('which statements need a warehouse', () => {
  const needs = (sql: string) => needsWarehouse(tokenize(sql));

  it('queries that read rows, DML and COPY do', () => {
    expect(needs('select * from t')).toBe(true);
    expect(needs('with x as (select 1) select * from x')).toBe(true);
    expect(needs('select (select count(*) from t) as n')).toBe(true);
    expect(needs('insert into t values (1)')).toBe(true);
    expect(needs('merge into t using s on t.id = s.id when matched then delete')).toBe(true);
    expect(needs('copy into t from @s')).toBe(true);
    expect(needs('create table t as select * from s')).toBe(true);
  });

  it('constant queries and metadata statements do not', () => {
    expect(needs('select current_role(), current_warehouse()')).toBe(false);
    expect(needs('select extract(year from current_date())')).toBe(false);
    expect(needs("select trim(both 'x' from 'xax')")).toBe(false);
    expect(needs('show tables in schema d.s')).toBe(false);
    expect(needs('describe table t')).toBe(false);
    expect(needs('list @s')).toBe(false);
    expect(needs('create table t (n number)')).toBe(false);
    expect(needs('grant select on table t to role r')).toBe(false);
    expect(needs('use warehouse w')).toBe(false);
  });
});

describe('a session without a warehouse, over the driver', () => {
  let h: Harness;
  const NOWH = { username: 'NOWH', password: 'nowh-pw' };

  beforeAll(async () => {
    h = await startHarness({ users: [{ name: NOWH.username, password: NOWH.password, defaultRole: 'SYSADMIN' }] });
    const admin = await h.connect();
    await admin.rows('create database wh_db');
    await admin.rows('create table wh_db.public.t (n number)');
    await admin.rows('insert into wh_db.public.t values (1), (2)');
    await admin.destroy();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('answers 000606 / 57P03 to a query that reads rows, and runs metadata statements', async () => {
    const c = await h.connect(NOWH);
    expect(await c.rows('select current_warehouse() as w')).toEqual([{ W: null }]);
    const err = await failureOf(c.execute('select count(*) from wh_db.public.t'));
    expect(err.code).toBe('000606');
    expect(err.sqlState).toBe('57P03');
    expect(err.message).toBe(
      "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
    );
    expect((await failureOf(c.execute('insert into wh_db.public.t values (3)'))).code).toBe('000606');
    expect((await c.rows('show tables in schema wh_db.public')).map((r) => r.name)).toEqual(['T']);
    await c.rows(`use warehouse ${TEST_WAREHOUSE}`);
    expect(await c.rows('select count(*) as n from wh_db.public.t')).toEqual([{ N: 2 }]);
    await c.destroy();
  });

  it('answers 000606 again once the warehouse in use is dropped (DML and COPY too)', async () => {
    const c = await h.connect(NOWH);
    await c.rows('create warehouse short_lived_wh');
    await c.rows('use warehouse short_lived_wh');
    await c.rows('insert into wh_db.public.t values (3)');
    await c.rows('drop warehouse short_lived_wh');
    for (const sql of [
      'select n from wh_db.public.t',
      'update wh_db.public.t set n = 4',
      'delete from wh_db.public.t',
      'copy into wh_db.public.t from @wh_db.public.nowhere',
    ]) {
      expect((await failureOf(c.execute(sql))).code, sql).toBe('000606');
    }
    await c.destroy();
  });
});
