import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * Comparisons, DATEADD and DATEDIFF on TIMESTAMP_TZ values, through the
 * unmodified driver.
 *
 * Source: Date & time data types
 * (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz):
 * TIMESTAMP_TZ "internally stores UTC values together with an associated time
 * zone offset … All operations are performed with the time zone offset
 * specific to each record." So DATEADD works on the value's own wall clock
 * and the result keeps its offset; a month added to 2024-02-29 22:00 -0500
 * is 2024-03-29 22:00 -0500, not the UTC-based 2024-03-31. Comparisons
 * use the UTC value: the same instant written with two offsets is equal.
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database tz_math_db');
  await c.rows('create table e (id int, h timestamp_tz)');
  await c.rows(`insert into e values (1, '2024-02-29 22:00:00 -0500'), (2, '2024-03-31 01:00:00 +0200')`);
  await c.rows('create table f (id int, h timestamp_tz)');
  await c.rows(`insert into f values (10, '2024-03-01 03:00:00 +0000'), (20, '2024-03-31 02:00:00 +0200')`);
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const asText = async (sql: string) => (await c.execute(sql, undefined, { fetchAsString: ['Date'] })).rows;

describe('DATEADD / DATEDIFF on TIMESTAMP_TZ', () => {
  it("DATEADD on a TIMESTAMP_TZ column adds to the value's own wall clock and keeps its offset", async () => {
    const { rows, columns } = await c.execute(
      'select dateadd(month, 1, h) as m, dateadd(hour, 3, h) as hr from e order by id',
      undefined,
      { fetchAsString: ['Date'] },
    );
    expect(rows).toEqual([
      { M: '2024-03-29 22:00:00.000 -0500', HR: '2024-03-01 01:00:00.000 -0500' },
      { M: '2024-04-30 01:00:00.000 +0200', HR: '2024-03-31 04:00:00.000 +0200' },
    ]);
    expect(columns.map((col) => col.type)).toEqual(['timestamp_tz', 'timestamp_tz']);
  });

  it('DATEADD on a cast or TO_TIMESTAMP_TZ keeps the offset too', async () => {
    expect(
      await asText(`select dateadd(day, 1, '2024-01-15 23:30:00 +0530'::timestamp_tz) as a,
        timestampadd(minute, 45, to_timestamp_tz('2024-01-15 23:30:00 -0800')) as b`),
    ).toEqual([{ A: '2024-01-16 23:30:00.000 +0530', B: '2024-01-16 00:15:00.000 -0800' }]);
  });

  it('DATEDIFF between TIMESTAMP_TZ values counts the time between their instants', async () => {
    expect(
      await asText(`select datediff(hour, '2024-02-29 19:00:00 -0700'::timestamp_tz, h) as hours,
        datediff(minute, h, '2024-03-01 04:30:00 +0100'::timestamp_tz) as minutes from e where id = 1`),
    ).toEqual([{ HOURS: 1, MINUTES: 30 }]);
  });
});

describe('comparing TIMESTAMP_TZ values', () => {
  it('finds the same instant written with another offset equal', async () => {
    expect(
      await c.rows(`select '2024-01-01 00:00:00 +0000'::timestamp_tz = '2024-01-01 09:00:00 +0900'::timestamp_tz as eq,
        '2024-01-01 00:00:00 +0000'::timestamp_tz <> to_timestamp_tz('2024-01-01 09:00:00 +0900') as ne,
        '2024-01-01 09:00:00 +0900'::timestamp_tz <= '2024-01-01 00:00:00 +0000'::timestamp_tz as le`),
    ).toEqual([{ EQ: true, NE: false, LE: true }]);
  });

  it('filters and joins TIMESTAMP_TZ columns by instant', async () => {
    expect(await c.rows(`select id from e where h = '2024-03-01 04:00:00 +0100'::timestamp_tz`)).toEqual([{ ID: 1 }]);
    expect(await c.rows('select e.id, f.id as fid from e join f on e.h = f.h order by e.id')).toEqual([
      { ID: 1, FID: 10 },
    ]);
    expect(await c.rows('select e.id from e, f where f.id = 20 and e.h < f.h order by e.id')).toEqual([
      { ID: 1 },
      { ID: 2 },
    ]);
  });
});
