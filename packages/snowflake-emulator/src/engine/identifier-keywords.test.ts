import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * Columns and aliases named AT and BEFORE, through the unmodified driver.
 *
 * Sources:
 * - Reserved & limited keywords
 *   (https://docs.snowflake.com/en/sql-reference/reserved-keywords): neither
 *   AT nor BEFORE is listed, so both are ordinary unquoted identifiers.
 * - AT | BEFORE (https://docs.snowflake.com/en/sql-reference/constructs/at-before):
 *   the time-travel clause is written `AT( … )` / `BEFORE( … )` right after
 *   the table name in FROM, the only place the words are a clause.
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database kw_db');
  await c.rows('create table t (at timestamp_ntz, before int)');
  await c.rows(`insert into t (at, before) values ('2024-01-01 00:00:00', 1), ('2024-06-01 12:00:00', 2)`);
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const asText = async (sql: string) => (await c.execute(sql, undefined, { fetchAsString: ['Date'] })).rows;

describe('AT and BEFORE as column names', () => {
  it('selects, filters and orders by them, named as written', async () => {
    const { rows, columns } = await c.execute(
      `select at, before from t where at > '2024-03-01' or before = 1 order by at desc`,
      undefined,
      { fetchAsString: ['Date'] },
    );
    expect(rows).toEqual([
      { AT: '2024-06-01 12:00:00.000', BEFORE: 2 },
      { AT: '2024-01-01 00:00:00.000', BEFORE: 1 },
    ]);
    expect(columns.map((col) => [col.name, col.type])).toEqual([
      ['AT', 'timestamp_ntz'],
      ['BEFORE', 'fixed'],
    ]);
  });

  it('updates and merges into an AT column', async () => {
    await c.rows(`update t set at = '2025-01-01 00:00:00' where before = 1`);
    await c.rows(
      `merge into t using (select 2 as before, '2025-02-02 00:00:00'::timestamp_ntz as at) s on t.before = s.before
        when matched then update set at = s.at`,
    );
    expect(await asText('select before, at from t order by before')).toEqual([
      { BEFORE: 1, AT: '2025-01-01 00:00:00.000' },
      { BEFORE: 2, AT: '2025-02-02 00:00:00.000' },
    ]);
  });

  it('takes AT as a table alias and as a column alias', async () => {
    expect(await asText('select at.at as at, count(*) as before from t at group by at.at order by at')).toEqual([
      { AT: '2025-01-01 00:00:00.000', BEFORE: 1 },
      { AT: '2025-02-02 00:00:00.000', BEFORE: 1 },
    ]);
    expect(await c.rows('select before.before from t as before order by 1')).toEqual([{ BEFORE: 1 }, { BEFORE: 2 }]);
  });
});
