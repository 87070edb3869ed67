import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database sql_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('identifiers', () => {
  it('upper-cases unquoted names and keeps quoted ones exactly', async () => {
    await c.rows('create table people (id int, "Name" varchar)');
    await c.rows(`insert into PEOPLE (ID, "Name") values (1, 'ann')`);
    expect(await c.rows('select id, "Name" from people')).toEqual([{ ID: 1, Name: 'ann' }]);
    const missing = await failureOf(c.execute('select * from "people"'));
    expect(missing.code).toBe('002003');
    expect(missing.sqlState).toBe('42S02');
    expect(missing.message).toBe(`SQL compilation error:\nObject '"people"' does not exist or not authorized.`);
  });

  it('round-trips quoted names with quotes, spaces, semicolons, dots and unicode', async () => {
    const table = 'odd "name"; with.dots é 表';
    const column = 'col; "x" ü';
    const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
    await c.rows(`create schema ${quoted('my schema')}`);
    await c.rows(`create table ${quoted('my schema')}.${quoted(table)} (${quoted(column)} varchar, plain int)`);
    await c.rows(`insert into ${quoted('my schema')}.${quoted(table)} values ('v;1', 1)`);
    const rows = await c.rows(`select ${quoted(column)}, plain from sql_db.${quoted('my schema')}.${quoted(table)}`);
    expect(rows).toEqual([{ [column]: 'v;1', PLAIN: 1 }]);
    const shown = await c.rows(`show tables like '%with.dots%' in schema sql_db.${quoted('my schema')}`);
    expect(shown.map((r) => r.name)).toEqual([table]);
    await c.rows('use schema sql_db.public');
  });

  it('keeps tables whose names differ only by case apart', async () => {
    await c.rows('create table casey (v int)');
    await c.rows('create table "casey" (v int)');
    await c.rows('insert into casey values (1)');
    await c.rows('insert into "casey" values (2), (3)');
    expect(await c.rows('select count(*) as n from casey')).toEqual([{ N: 1 }]);
    expect(await c.rows('select count(*) as n from "casey"')).toEqual([{ N: 2 }]);
  });

  it('names result columns the way Snowflake does', async () => {
    const result = await c.execute(
      'select count(*), 1+2, current_database(), id as lower_alias, "Name" as "Quoted" from people group by id, "Name"',
    );
    expect(result.columns.map((col) => col.name)).toEqual([
      'COUNT(*)',
      '1+2',
      'CURRENT_DATABASE()',
      'LOWER_ALIAS',
      'Quoted',
    ]);
  });
});

describe('errors', () => {
  it('fails unknown statements with 001003 / 42000', async () => {
    const err = await failureOf(c.execute('frobnicate the table'));
    expect(err.code).toBe('001003');
    expect(err.sqlState).toBe('42000');
    expect(err.message).toMatch(/^SQL compilation error:\nsyntax error line 1 at position 0 unexpected 'frobnicate'/);
    expect(err.data?.queryId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fails a missing table with 002003 / 42S02', async () => {
    const err = await failureOf(c.execute('select * from nope'));
    expect(err.code).toBe('002003');
    expect(err.message).toBe("SQL compilation error:\nObject 'NOPE' does not exist or not authorized.");
  });

  it('fails an unknown column with 000904', async () => {
    const err = await failureOf(c.execute('select nope from people'));
    expect(err.code).toBe('000904');
    expect(err.message).toContain("invalid identifier 'NOPE'");
  });

  it('fails a bad number with 100038', async () => {
    const err = await failureOf(c.execute("select 'abc'::number"));
    expect(err.code).toBe('100038');
    expect(err.sqlState).toBe('22018');
  });

  it('rejects more than one statement per request (000008)', async () => {
    const err = await failureOf(c.execute('select 1; select 2'));
    expect(err.code).toBe('000008');
  });

  it('fails creating an existing table with 002002 and honours IF NOT EXISTS', async () => {
    const err = await failureOf(c.execute('create table people (x int)'));
    expect(err.code).toBe('002002');
    expect(await c.rows('create table if not exists people (x int)')).toEqual([
      { status: 'PEOPLE already exists, statement succeeded.' },
    ]);
  });
});

describe('DDL and DML', () => {
  it('swaps two tables', async () => {
    await c.rows('create table live (v int)');
    await c.rows('create table staging like live');
    await c.rows('insert into live values (1)');
    await c.rows('insert into staging values (2), (3)');
    expect(await c.rows('alter table staging swap with live')).toEqual([
      { status: 'Statement executed successfully.' },
    ]);
    expect(await c.rows('select v from live order by v')).toEqual([{ V: 2 }, { V: 3 }]);
    expect(await c.rows('select v from staging')).toEqual([{ V: 1 }]);
  });

  it('drops tables, with IF EXISTS', async () => {
    await c.rows('create table doomed (v int)');
    expect(await c.rows('drop table doomed')).toEqual([{ status: 'DOOMED successfully dropped.' }]);
    expect((await failureOf(c.execute('drop table doomed'))).code).toBe('002003');
    expect(await c.rows('drop table if exists doomed')).toEqual([
      { status: 'Drop statement executed successfully (DOOMED already dropped).' },
    ]);
  });

  it('creates tables as select, with OR REPLACE', async () => {
    await c.rows('create or replace table ctas as select id, "Name" as nm, 1.5::float as f from people');
    const result = await c.execute('select * from ctas');
    expect(result.rows).toEqual([{ ID: 1, NM: 'ann', F: 1.5 }]);
    expect((await c.rows('describe table ctas')).map((r) => [r.name, r.type])).toEqual([
      ['ID', 'NUMBER(38,0)'],
      ['NM', 'VARCHAR(16777216)'],
      ['F', 'FLOAT'],
    ]);
  });

  it('reports DML counts', async () => {
    await c.rows('create table counts (v int)');
    expect((await c.execute('insert into counts values (1), (2), (3)')).numUpdatedRows).toBe(3);
    expect(await c.rows('update counts set v = v + 1 where v > 1')).toEqual([
      { 'number of rows updated': 2, 'number of multi-joined rows updated': 0 },
    ]);
    expect(await c.rows('delete from counts where v = 1')).toEqual([{ 'number of rows deleted': 1 }]);
  });

  it('commits and rolls back transactions', async () => {
    await c.rows('create table tx (v int)');
    await c.rows('begin');
    await c.rows('insert into tx values (1)');
    await c.rows('rollback');
    await c.rows('begin transaction');
    await c.rows('insert into tx values (2)');
    await c.rows('commit');
    expect(await c.rows('select v from tx')).toEqual([{ V: 2 }]);
  });

  it('answers session functions and USE', async () => {
    await c.rows('create database other_db');
    await c.rows('use database sql_db');
    await c.rows('create warehouse my_wh initially_suspended = true');
    await c.rows('use database sql_db');
    await c.rows('use warehouse my_wh');
    const [row] = await c.rows('select current_database(), current_schema(), current_warehouse(), current_version()');
    expect(row).toEqual({
      'CURRENT_DATABASE()': 'SQL_DB',
      'CURRENT_SCHEMA()': 'PUBLIC',
      'CURRENT_WAREHOUSE()': 'MY_WH',
      'CURRENT_VERSION()': '9.30.1',
    });
    expect((await failureOf(c.execute('use database missing_db'))).code).toBe('002043');
  });

  it('shows databases and schemas with LIKE', async () => {
    expect((await c.rows("show databases like 'sql%'")).map((r) => r.name)).toEqual(['SQL_DB']);
    expect((await c.rows('show schemas in database sql_db')).map((r) => r.name)).toEqual([
      'INFORMATION_SCHEMA',
      'PUBLIC',
      'my schema',
    ]);
  });
});
