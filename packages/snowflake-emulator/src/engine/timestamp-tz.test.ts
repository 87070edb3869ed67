import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * TIMESTAMP_TZ through the unmodified driver, which prints each value with the
 * offset the response carries for it (fetchAsString: ['Date']).
 *
 * Sources:
 * - Date & time data types
 *   (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz):
 *   "TIMESTAMP_TZ internally stores UTC values together with an associated
 *   time zone offset. When a time zone is not provided, the session time zone
 *   offset is used"; TIMESTAMP_LTZ shows the session zone; TIMESTAMP_NTZ is a
 *   wall clock.
 * - The same page's examples: a TIMESTAMP_TZ column keeps each row's offset
 *   ('2024-01-01 00:00:00 +0000' and '2024-01-01 00:00:00 +0900' stay as
 *   written), casting TZ to NTZ keeps the wall clock and drops the offset,
 *   TZ to LTZ keeps the instant.
 * - CONVERT_TIMEZONE (https://docs.snowflake.com/en/sql-reference/functions/convert_timezone):
 *   "If the value is of type TIMESTAMP_TZ, the time zone is taken from its
 *   value. Otherwise, the current session time zone is used."
 * - The driver's wire format (snowflake-sdk lib/connection/result/column.js,
 *   convertRawTimestampTz): `<epoch seconds.fraction> <offset minutes + 1440>`.
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database tz_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const asText = async (sql: string) => (await c.execute(sql, undefined, { fetchAsString: ['Date'] })).rows;

describe('TIMESTAMP_TZ keeps its own offset', () => {
  it('returns a literal with the offset it was written with, and the column type TIMESTAMP_TZ', async () => {
    const { rows, columns } = await c.execute(
      `select '2024-01-15 10:00:00 +0100'::timestamp_tz as a, to_timestamp_tz('2024-07-01T08:30:00Z') as b,
        cast('2024-01-15 10:00:00 -05:30' as timestamp_tz) as c`,
      undefined,
      { fetchAsString: ['Date'] },
    );
    expect(rows[0]).toEqual({
      A: '2024-01-15 10:00:00.000 +0100',
      B: '2024-07-01 08:30:00.000 +0000',
      C: '2024-01-15 10:00:00.000 -0530',
    });
    expect(columns.map((col) => col.type)).toEqual(['timestamp_tz', 'timestamp_tz', 'timestamp_tz']);
  });

  it('takes the session zone offset (at that date) for a value written without one', async () => {
    expect(
      await asText(
        `select '2024-01-15 10:00:00'::timestamp_tz as winter, '2024-07-15 10:00:00'::timestamp_tz as summer`,
      ),
    ).toEqual([{ WINTER: '2024-01-15 10:00:00.000 -0800', SUMMER: '2024-07-15 10:00:00.000 -0700' }]);
  });

  it('stores a different offset per row in a TIMESTAMP_TZ column, whatever the session zone later is', async () => {
    await c.rows('create table events (id int, happened timestamp_tz)');
    await c.rows(
      `insert into events values (1, '2024-01-01 00:00:00 +0000'), (2, '2024-01-01 00:00:00 +0900'), (3, '2024-01-01 00:00:00')`,
    );
    await c.rows(`alter session set timezone = 'Asia/Kolkata'`);
    expect(await asText('select id, happened from events order by id')).toEqual([
      { ID: 1, HAPPENED: '2024-01-01 00:00:00.000 +0000' },
      { ID: 2, HAPPENED: '2024-01-01 00:00:00.000 +0900' },
      { ID: 3, HAPPENED: '2024-01-01 00:00:00.000 -0800' },
    ]);
    await c.rows('alter session unset timezone');
    const described = await c.rows('describe table events');
    expect(described.map((r) => r.type)).toEqual(['NUMBER(38,0)', 'TIMESTAMP_TZ(9)']);
  });

  it('orders TIMESTAMP_TZ values by instant, not by wall clock', async () => {
    expect((await asText('select id from events order by happened')).map((r) => r.ID)).toEqual([2, 1, 3]);
  });
});

describe('conversions between NTZ, LTZ and TZ', () => {
  it('TZ -> NTZ keeps the wall clock; TZ -> LTZ keeps the instant, shown in the session zone', async () => {
    expect(
      await asText(`select '2024-01-15 10:00:00 +0100'::timestamp_tz::timestamp_ntz as ntz,
        '2024-01-15 10:00:00 +0100'::timestamp_tz::timestamp_ltz as ltz,
        to_timestamp_ntz(happened) as from_column from events where id = 2`),
    ).toEqual([
      { NTZ: '2024-01-15 10:00:00.000', LTZ: '2024-01-15 01:00:00.000 -0800', FROM_COLUMN: '2024-01-01 00:00:00.000' },
    ]);
  });

  it('LTZ -> TZ and NTZ -> TZ take the session zone offset', async () => {
    await c.rows(`alter session set timezone = 'Europe/Berlin'`);
    expect(
      await asText(`select '2024-01-15 10:00:00 +0000'::timestamp_ltz::timestamp_tz as from_ltz,
        '2024-01-15 10:00:00'::timestamp_ntz::timestamp_tz as from_ntz`),
    ).toEqual([{ FROM_LTZ: '2024-01-15 11:00:00.000 +0100', FROM_NTZ: '2024-01-15 10:00:00.000 +0100' }]);
    await c.rows('alter session unset timezone');
  });

  it('gives TIMESTAMP the TZ semantics when TIMESTAMP_TYPE_MAPPING says so', async () => {
    await c.rows(`alter session set timestamp_type_mapping = 'TIMESTAMP_TZ'`);
    const { rows, columns } = await c.execute(`select '2024-01-15 10:00:00 +0200'::timestamp as t`, undefined, {
      fetchAsString: ['Date'],
    });
    await c.rows('alter session unset timestamp_type_mapping');
    expect(rows).toEqual([{ T: '2024-01-15 10:00:00.000 +0200' }]);
    expect(columns[0]?.type).toBe('timestamp_tz');
  });

  it('inserts LTZ and NTZ values into a TIMESTAMP_TZ column with the session offset', async () => {
    await c.rows('create table converted (happened timestamp_tz)');
    await c.rows(
      `insert into converted (happened) select '2024-01-15 10:00:00 +0000'::timestamp_ltz union all select '2024-01-15 10:00:00'::timestamp_ntz`,
    );
    expect(await asText('select happened from converted order by happened')).toEqual([
      { HAPPENED: '2024-01-15 02:00:00.000 -0800' },
      { HAPPENED: '2024-01-15 10:00:00.000 -0800' },
    ]);
  });

  it('refuses text that is not a timestamp with 100035', async () => {
    const err = await c.execute(`select 'not a time'::timestamp_tz`).catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('100035');
  });
});
