import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../../test-support/driver.js';
import { type Harness, startHarness } from '../../../test-support/harness.js';

/**
 * ALTER TABLE … ADD COLUMN / ALTER COLUMN … SET DATA TYPE through the real snowflake-sdk driver, as
 * strict as Snowflake. What is allowed: https://docs.snowflake.com/en/sql-reference/sql/alter-table-column
 * ("Data Types": a synonymous type, a longer VARCHAR, a NUMBER precision change when the values fit; not
 * another type, a shorter VARCHAR or another NUMBER scale). Snowflake's answers as users quote them:
 * 040052 (22000) "SQL compilation error: cannot change column SOME_COLUMN from type NUMBER(38,0) to
 * NUMBER(11,2) because changing the scale of a number is not supported." (Snowflake-Labs
 * terraform-provider-snowflake, acceptance tests); 002108 (22000) "… cannot change column AGE from type
 * NUMBER(38,0) to VARCHAR(16777216)"; "… because reducing the byte-length of a varchar is not supported.";
 * 001430 (42601) "SQL compilation error:\ncolumn 'X' already exists" (MeltanoLabs/target-snowflake#525);
 * "Non-nullable column 'C' cannot be added to non-empty table 'T' unless it has a non-null default value.".
 */
let h: Harness;
let c: DriverConnection;

beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database alter_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const described = async (table: string) =>
  (await c.rows(`describe table ${table}`)).map((r) => `${String(r.name)} ${String(r.type)} ${String(r['null?'])}`);

describe('ALTER TABLE … ADD COLUMN', () => {
  it('adds a nullable column (NULL in existing rows) and refuses one that exists unless IF NOT EXISTS', async () => {
    await c.rows('create or replace table a (id number, v varchar(5))');
    await c.rows("insert into a values (1, 'x')");
    await c.rows('alter table a add column "note" varchar(20)');
    expect(await c.rows('select "note" from a')).toEqual([{ note: null }]);
    const err = await failureOf(c.execute('alter table a add column "note" number'));
    expect(err.code).toBe('001430');
    expect(err.sqlState).toBe('42601');
    expect(err.message).toBe("SQL compilation error:\ncolumn 'note' already exists");
    await c.rows('alter table a add column if not exists "note" number');
    expect(await described('a')).toEqual(['ID NUMBER(38,0) Y', 'V VARCHAR(5) Y', 'note VARCHAR(20) Y']);
  });

  it('refuses a NOT NULL column over existing rows', async () => {
    const err = await failureOf(c.execute('alter table a add column must number not null'));
    expect(err.message).toBe(
      "SQL compilation error:\nNon-nullable column 'MUST' cannot be added to non-empty table 'A' unless it has a non-null default value.",
    );
    await c.rows('create or replace table empty_t (id number)');
    await c.rows('alter table empty_t add column must number not null');
    expect(await described('empty_t')).toEqual(['ID NUMBER(38,0) Y', 'MUST NUMBER(38,0) N']);
  });
});

describe('ALTER TABLE … ALTER COLUMN … SET DATA TYPE', () => {
  it('widens a VARCHAR and a NUMBER precision, keeping the rows', async () => {
    await c.rows('create or replace table w (n number(10,2), v varchar(5), d date)');
    await c.rows("insert into w values (12345678.25, 'abcde', '2024-01-02')");
    await c.rows('alter table w alter column v set data type varchar(200)');
    await c.rows('alter table w modify column n type number(20,2)');
    await c.rows('alter table w alter d set data type date'); // the type it has: allowed, nothing changes
    expect(await described('w')).toEqual(['N NUMBER(20,2) Y', 'V VARCHAR(200) Y', 'D DATE Y']);
    await c.rows("insert into w values (123456789012345678.25, 'longer than five', null)");
    expect((await c.rows('select count(*) as n from w'))[0]).toEqual({ N: 2 });
  });

  it('refuses a shorter VARCHAR, another scale and another type, changing nothing', async () => {
    const narrow = await failureOf(c.execute('alter table w alter column v set data type varchar(3)'));
    expect(narrow.sqlState).toBe('22000');
    expect(narrow.message).toBe(
      'SQL compilation error: cannot change column V from type VARCHAR(200) to VARCHAR(3) because reducing the byte-length of a varchar is not supported.',
    );
    const scale = await failureOf(c.execute('alter table w alter column n set data type number(20,4)'));
    expect(scale.code).toBe('040052');
    expect(scale.message).toBe(
      'SQL compilation error: cannot change column N from type NUMBER(20,2) to NUMBER(20,4) because changing the scale of a number is not supported.',
    );
    const retype = await failureOf(c.execute('alter table w alter column d set data type varchar(20)'));
    expect(retype.code).toBe('002108');
    expect(retype.message).toBe('SQL compilation error: cannot change column D from type DATE to VARCHAR(20)');
    expect(await described('w')).toEqual(['N NUMBER(20,2) Y', 'V VARCHAR(200) Y', 'D DATE Y']);
  });

  it('lowers a NUMBER precision only when every value fits', async () => {
    await c.rows('create or replace table p (n number(20,0))');
    await c.rows('insert into p values (12345)');
    await c.rows('alter table p alter column n set data type number(10,0)');
    await c.rows('insert into p values (1234567890)');
    const err = await failureOf(c.execute('alter table p alter column n set data type number(5,0)'));
    expect(err.message).toBe('SQL compilation error: cannot change column N from type NUMBER(10,0) to NUMBER(5,0)');
    expect(await described('p')).toEqual(['N NUMBER(10,0) Y']);
  });
});
