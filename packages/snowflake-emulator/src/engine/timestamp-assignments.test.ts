import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * UPDATE and MERGE storing values into TIMESTAMP_NTZ / LTZ / TZ columns,
 * through the unmodified driver (session zone America/Los_Angeles, the
 * default).
 *
 * Source: Date & time data types
 * (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz):
 * a value stored in a column is converted to the column's type — TZ -> NTZ
 * keeps the wall clock and drops the offset, TZ -> LTZ keeps the instant
 * (shown in the session zone), and a value without offset stored as
 * TIMESTAMP_TZ takes "the session time zone offset".
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database assign_db');
  await c.rows('create table m (id int, ntz timestamp_ntz, ltz timestamp_ltz, tz timestamp_tz)');
  await c.rows('insert into m (id) values (1), (2)');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const asText = async (sql: string) => (await c.execute(sql, undefined, { fetchAsString: ['Date'] })).rows;

describe('values assigned to timestamp columns', () => {
  it('UPDATE SET converts TZ to NTZ and LTZ, and NTZ to TZ with the session offset', async () => {
    await c.rows(`update m set ntz = '2024-03-03 03:00:00 +0500'::timestamp_tz,
      ltz = '2024-03-03 03:00:00 +0500'::timestamp_tz, tz = '2024-03-03 03:00:00'::timestamp_ntz where id = 1`);
    expect(await asText('select ntz, ltz, tz from m where id = 1')).toEqual([
      { NTZ: '2024-03-03 03:00:00.000', LTZ: '2024-03-02 14:00:00.000 -0800', TZ: '2024-03-03 03:00:00.000 -0800' },
    ]);
  });

  it("MERGE's UPDATE SET and INSERT VALUES convert the same way", async () => {
    const source = `(select id, '2024-07-04 04:00:00 +0200'::timestamp_tz as v, '2024-07-04 04:00:00'::timestamp_ntz as n
      from (select 2 as id union all select 3)) s`;
    await c.rows(`merge into m using ${source} on m.id = s.id
      when matched then update set ntz = s.v, ltz = s.v, tz = s.n
      when not matched then insert (id, ntz, ltz, tz) values (s.id, s.v, s.v, s.n)`);
    const expected = {
      NTZ: '2024-07-04 04:00:00.000',
      LTZ: '2024-07-03 19:00:00.000 -0700',
      TZ: '2024-07-04 04:00:00.000 -0700',
    };
    expect(await asText('select id, ntz, ltz, tz from m where id > 1 order by id')).toEqual([
      { ID: 2, ...expected },
      { ID: 3, ...expected },
    ]);
  });
});
