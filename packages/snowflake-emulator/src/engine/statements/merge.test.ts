import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../../test-support/driver.js';
import { type Harness, startHarness } from '../../../test-support/harness.js';

/**
 * MERGE through the real snowflake-sdk driver. Expected shapes:
 * - answer columns per action kind present, in the order inserted, updated,
 *   deleted (snowflakedb/snowpark-python, table.py `_get_merge_result`);
 * - several source rows on one target row with an UPDATE fail with 100090
 *   (42P18) "Duplicate row detected during DML action" unless
 *   ERROR_ON_NONDETERMINISTIC_MERGE = FALSE; several DELETEs are deterministic
 *   (https://docs.snowflake.com/en/sql-reference/sql/merge, "Duplicate join behavior").
 */
let h: Harness;
let c: DriverConnection;

beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database merge_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

async function tables(target: string, source: string): Promise<void> {
  await c.rows('create or replace table t (id number, v varchar)');
  await c.rows('create or replace table s (id number, v varchar, del boolean)');
  if (target) await c.rows(`insert into t values ${target}`);
  if (source) await c.rows(`insert into s values ${source}`);
}

const contents = async () =>
  (await c.rows('select id, v from t order by id')).map((r) => `${String(r.ID)}:${String(r.V)}`);

describe('MERGE', () => {
  it('inserts, updates and deletes, answering the three counts', async () => {
    await tables("(1, 'a'), (2, 'b'), (3, 'c')", "(1, 'A', false), (2, null, true), (4, 'D', false), (5, 'x', true)");
    const answer = await c.rows(
      `merge into t using s on t.id = s.id
         when matched and s.del then delete
         when matched then update set v = s.v
         when not matched and not s.del then insert (id, v) values (s.id, s.v)`,
    );
    expect(answer).toEqual([
      { 'number of rows inserted': 1, 'number of rows updated': 1, 'number of rows deleted': 1 },
    ]);
    expect(await contents()).toEqual(['1:A', '3:c', '4:D']);
  });

  it('answers only the counts of the actions it has', async () => {
    await tables("(1, 'a')", "(1, 'b', false), (2, 'c', false)");
    expect(await c.rows('merge into t using s on t.id = s.id when matched then update set v = s.v')).toEqual([
      { 'number of rows updated': 1 },
    ]);
    expect(
      await c.rows(
        'merge into t tt using (select * from s) ss on tt.id = ss.id when not matched then insert values (ss.id, ss.v)',
      ),
    ).toEqual([{ 'number of rows inserted': 1 }]);
    expect(await contents()).toEqual(['1:b', '2:c']);
  });

  it('refuses several source rows updating one target row, and changes nothing', async () => {
    await tables("(1, 'a'), (2, 'b')", "(1, 'x', false), (1, 'y', false), (2, 'z', false)");
    const failure = await failureOf(c.rows('merge into t using s on t.id = s.id when matched then update set v = s.v'));
    expect(failure).toMatchObject({ code: '100090', sqlState: '42P18' });
    expect(failure.message).toMatch(/^Duplicate row detected during DML action\nRow Values: \[1, "a"\]/);
    expect(await contents()).toEqual(['1:a', '2:b']);
  });

  it('accepts several source rows that all delete one target row', async () => {
    await tables("(1, 'a'), (2, 'b')", "(1, 'x', true), (1, 'y', true)");
    expect(
      await c.rows(
        'merge into t using s on t.id = s.id when matched and s.del then delete when matched then update set v = s.v',
      ),
    ).toEqual([{ 'number of rows updated': 0, 'number of rows deleted': 1 }]);
    expect(await contents()).toEqual(['2:b']);
  });

  it('updates one of the duplicates when ERROR_ON_NONDETERMINISTIC_MERGE is FALSE', async () => {
    await tables("(1, 'a')", "(1, 'x', false), (1, 'y', false)");
    await c.rows('alter session set ERROR_ON_NONDETERMINISTIC_MERGE = false');
    try {
      await c.rows('merge into t using s on t.id = s.id when matched then update set v = s.v');
      expect(['1:x', '1:y']).toContain((await contents())[0]);
    } finally {
      await c.rows('alter session unset ERROR_ON_NONDETERMINISTIC_MERGE');
    }
  });

  it('rolls back with its transaction', async () => {
    await tables("(1, 'a')", "(1, 'b', false), (2, 'c', false)");
    await c.rows('begin transaction');
    await c.rows(
      'merge into t using s on t.id = s.id when matched then update set v = s.v when not matched then insert (id, v) values (s.id, s.v)',
    );
    expect(await contents()).toEqual(['1:b', '2:c']);
    await c.rows('rollback');
    expect(await contents()).toEqual(['1:a']);
  });

  it('refuses a MATCHED clause that inserts', async () => {
    await tables('', '');
    const failure = await failureOf(
      c.rows('merge into t using s on t.id = s.id when matched then insert values (1, 2)'),
    );
    expect(failure).toMatchObject({ code: '001003' });
  });
});
