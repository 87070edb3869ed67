import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * Multi-statement requests and RESULT_SCAN, through the unmodified driver.
 *
 * Sources:
 * - Node.js driver, "Executing a batch of SQL statements (multi-statement
 *   support)" (https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute):
 *   parameters: { MULTI_STATEMENT_COUNT: n } (0 = any number); complete()
 *   fires per statement and statement.hasNext() / NextResult() walk them.
 * - snowflake-sdk lib/connection/statement.js: a response with
 *   `data.resultIds` (comma-separated child query ids) makes the driver
 *   fetch each child's result by id.
 * - MULTI_STATEMENT_COUNT (https://docs.snowflake.com/en/sql-reference/parameters#multi-statement-count):
 *   default 1; a mismatch is "000008 (0A000): Actual statement count 3 did
 *   not match the desired statement count 1."
 * - RESULT_SCAN (https://docs.snowflake.com/en/sql-reference/functions/result_scan):
 *   TABLE(RESULT_SCAN(LAST_QUERY_ID())) or a query id; lower-case SHOW
 *   columns are referenced quoted; only the user's own queries.
 * - snowflake-jdbc SFStatementType: MULTI_STATEMENT is 0xA000.
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness({ users: [{ name: 'MALLORY', password: 'mallory-pw', defaultRole: 'SYSADMIN' }] });
  c = await h.connect();
  await c.rows('create database multi_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('multi-statement requests', () => {
  it('runs each statement as its own query and hands the results back in order', async () => {
    const results = await c.executeMulti(
      `create table m (n int); insert into m values (1), (2); select n from m order by n;`,
      { parameters: { MULTI_STATEMENT_COUNT: 3 } },
    );
    expect(results.map((r) => r.rows)).toEqual([
      [{ status: 'Table M successfully created.' }],
      [{ 'number of rows inserted': 2 }],
      [{ N: 1 }, { N: 2 }],
    ]);
    const ids = results.map((r) => r.queryId);
    expect(new Set(ids).size).toBe(3);
    // Each child is a query of its own: its result can be fetched again by id.
    expect(await c.resultsFromQueryId(ids[2] as string)).toEqual([{ N: 1 }, { N: 2 }]);
  });

  it('takes any number with MULTI_STATEMENT_COUNT = 0', async () => {
    const results = await c.executeMulti('select 1 as a; select 2 as b', { parameters: { MULTI_STATEMENT_COUNT: 0 } });
    expect(results.map((r) => r.rows)).toEqual([[{ A: 1 }], [{ B: 2 }]]);
  });

  it('refuses a count that does not match with 000008', async () => {
    const single = await failureOf(c.execute('select 1; select 2; select 3'));
    expect([single.code, single.sqlState, single.message]).toEqual([
      '000008',
      '0A000',
      'Actual statement count 3 did not match the desired statement count 1.',
    ]);
    const two = await failureOf(c.executeMulti('select 1', { parameters: { MULTI_STATEMENT_COUNT: 2 } }));
    expect(two.message).toBe('Actual statement count 1 did not match the desired statement count 2.');
  });

  it('stops at the first failing statement and fails the request with its error', async () => {
    const err = await failureOf(
      c.executeMulti('insert into m values (3); select * from no_such_table; insert into m values (4)', {
        parameters: { MULTI_STATEMENT_COUNT: 3 },
      }),
    );
    expect(err.code).toBe('002003');
    expect(await c.rows('select n from m order by n')).toEqual([{ N: 1 }, { N: 2 }, { N: 3 }]);
  });
});

describe('RESULT_SCAN', () => {
  it('reads the last query result as a table, SHOW output included', async () => {
    await c.rows('select n, n * 10 as tens from m order by n');
    expect(await c.rows('select sum(tens) as s from table(result_scan(last_query_id()))')).toEqual([{ S: 60 }]);
    await c.rows('show tables');
    expect(await c.rows(`select "name", "rows" from table(result_scan(last_query_id()))`)).toEqual([
      { name: 'M', rows: 3 },
    ]);
  });

  it('reads a result by query id, but only the same user’s', async () => {
    const { queryId } = await c.execute(`select 'kept' as v`);
    await c.rows('select 1');
    expect(await c.rows(`select v from table(result_scan('${queryId}'))`)).toEqual([{ V: 'kept' }]);
    const other = await h.connect({ username: 'MALLORY', password: 'mallory-pw' });
    const err = await failureOf(other.execute(`select * from table(result_scan('${queryId}'))`));
    expect([err.code, err.message]).toEqual(['000709', `SQL execution error: Statement ${queryId} not found`]);
    await other.destroy();
  });
});
