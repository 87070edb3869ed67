import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';
import { strptimePattern } from './date-time-input.js';

/*
 * Division by zero and DATE / TIME input, through the unmodified driver.
 *
 * Sources:
 * - Date and time input and output formats
 *   (https://docs.snowflake.com/en/sql-reference/date-time-input-output):
 *   DATE_INPUT_FORMAT / TIME_INPUT_FORMAT default to AUTO; AUTO accepts the
 *   "Supported formats for AUTO detection" (dates `2024-01-15`,
 *   `15-JAN-2024`, `01/15/2024`; times `HH24:MI:SS[.FF]`, `HH24:MI`,
 *   `HH12:MI[:SS] AM`) and "If no matching format is found, Snowflake
 *   returns an error"; a format set in the session is the one accepted.
 * - TO_DATE (https://docs.snowflake.com/en/sql-reference/functions/to_date):
 *   an optional format argument; TRY_TO_DATE returns NULL instead of failing.
 * - Error texts: "100040 (22007): Date '…' is not recognized" and
 *   "100108 (22007): Time '…' is not recognized" (Snowflake's data errors, as
 *   quoted in snowflakedb/snowflake-connector-python and dbt issues), and
 *   "100051 (22012): Division by zero" (snowflakedb/snowflake-jdbc issue
 *   threads quoting the server's error).
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database dt_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const asText = async (sql: string) => (await c.execute(sql, undefined, { fetchAsString: ['Date', 'Number'] })).rows[0];

describe('division by zero', () => {
  it('fails with 100051 for integer, decimal and float divisors, in any expression position', async () => {
    for (const sql of [
      'select 1 / 0',
      'select 10.5 / (2 - 2)',
      'select 1 / 0::float',
      `select x / y from (select 4 as x, 0 as y)`,
      `select sum(x) / count(*) from (select 1 as x) where x > 5`,
    ]) {
      const err = await failureOf(c.execute(sql));
      expect({ sql, code: err.code, sqlState: err.sqlState, message: err.message }).toEqual({
        sql,
        code: '100051',
        sqlState: '22012',
        message: 'Division by zero',
      });
    }
  });

  it('still divides by non-zero divisors (with precedence kept) and DIV0 answers 0', async () => {
    // NUMBER / NUMBER keeps six more decimals (numeric-division.test.ts): 7 / 2 * 2 is 7.000000.
    expect(await asText('select 7 / 2 * 2 as a, 1 + 6 / -3 as b, div0(5, 0) as d')).toEqual({
      A: '7.000000',
      B: '-1.000000',
      D: '0',
    });
  });
});

describe('DATE input (DATE_INPUT_FORMAT = AUTO)', () => {
  it('accepts the AUTO forms and a timestamp, its time dropped', async () => {
    expect(
      await asText(`select '2024-01-15'::date as iso, to_date('15-Jan-2024') as mon, date('01/15/2024') as us,
        '2024-01-15 23:59:59'::date as ts, cast('2024-01-15T10:00:00Z' as date) as iso_t`),
    ).toEqual({ ISO: '2024-01-15', MON: '2024-01-15', US: '2024-01-15', TS: '2024-01-15', ISO_T: '2024-01-15' });
  });

  it("refuses anything else with 100040 Date '…' is not recognized", async () => {
    for (const text of ['15/01/2024', '2024-13-01', 'yesterday']) {
      const err = await failureOf(c.execute(`select '${text}'::date`));
      expect([err.code, err.sqlState, err.message]).toEqual(['100040', '22007', `Date '${text}' is not recognized`]);
    }
    // Plain fetch: with fetchAsString the driver prints NULL as the text 'NULL' (lib/connection/result/column.js).
    expect(await c.rows(`select try_to_date('yesterday') as d, try_cast('15/01/2024' as date) as e`)).toEqual([
      { D: null, E: null },
    ]);
  });

  it('reads the session DATE_INPUT_FORMAT, and a format argument to TO_DATE', async () => {
    await c.rows(`alter session set date_input_format = 'DD/MM/YYYY'`);
    expect(await asText(`select '15/01/2024'::date as d`)).toEqual({ D: '2024-01-15' });
    const iso = await failureOf(c.execute(`select '2024-01-15'::date`));
    expect(iso.code).toBe('100040');
    await c.rows('alter session unset date_input_format');
    expect(await asText(`select to_date('2024.01.15', 'YYYY.MM.DD') as d`)).toEqual({ D: '2024-01-15' });
  });

  it('loads dates inserted as text into a DATE column by the same rules', async () => {
    await c.rows('create table days (d date)');
    await c.rows(`insert into days values ('2024-01-15'), ('16-Jan-2024')`);
    expect((await c.execute('select d from days order by d', undefined, { fetchAsString: ['Date'] })).rows).toEqual([
      { D: '2024-01-15' },
      { D: '2024-01-16' },
    ]);
  });
});

describe('TIMESTAMP_INPUT_FORMAT', () => {
  it('reads timestamp text by the session format and refuses other text with 100035', async () => {
    // https://docs.snowflake.com/en/sql-reference/parameters#timestamp-input-format (default AUTO) and
    // https://docs.snowflake.com/en/sql-reference/date-time-input-output: a format set in the session is the one
    // accepted; "100035 (22007): Timestamp '…' is not recognized" is the data error the connectors quote.
    await c.rows(`alter session set timestamp_input_format = 'DD/MM/YYYY HH24:MI'`);
    try {
      expect(
        await asText(`select '15/01/2024 10:30'::timestamp_ntz as n, cast('16/01/2024 08:05' as timestamp_ntz) as c`),
      ).toEqual({ N: '2024-01-15 10:30:00.000', C: '2024-01-16 08:05:00.000' });
      expect(await c.rows(`select try_cast('junk' as timestamp_ntz) as t`)).toEqual([{ T: null }]);
      const err = await failureOf(c.execute(`select 'Jan 15 2024'::timestamp_ntz`));
      expect([err.code, err.sqlState, err.message]).toEqual([
        '100035',
        '22007',
        `Timestamp 'Jan 15 2024' is not recognized`,
      ]);
      await c.rows('create table stamps (stamped timestamp_ntz)');
      await c.rows(`insert into stamps values ('17/01/2024 23:59')`);
      expect(await asText('select stamped from stamps')).toEqual({ STAMPED: '2024-01-17 23:59:00.000' });
      expect((await failureOf(c.execute(`insert into stamps values ('17-01-2024')`))).code).toBe('100035');
    } finally {
      await c.rows('alter session unset timestamp_input_format');
    }
    // Back to AUTO: the day-first form is no AUTO format.
    expect((await failureOf(c.execute(`select '15/01/2024 10:30'::timestamp_ntz`))).code).toBe('100035');
  });
});

describe('TIME input (TIME_INPUT_FORMAT = AUTO)', () => {
  it('accepts 24-hour and AM/PM forms', async () => {
    expect(
      await asText(`select '13:45:10'::time as a, '13:45'::time as b, to_time('01:45:10 PM') as c,
        '13:45:10.123'::time as d`),
    ).toEqual({ A: '13:45:10', B: '13:45:00', C: '13:45:10', D: '13:45:10' });
  });

  it("refuses anything else with 100108 Time '…' is not recognized", async () => {
    const err = await failureOf(c.execute(`select '25:99'::time`));
    expect([err.code, err.sqlState, err.message]).toEqual(['100108', '22007', `Time '25:99' is not recognized`]);
  });
});

describe('format translation', () => {
  it('maps Snowflake format elements to strptime patterns', () => {
    expect(strptimePattern('DD/MM/YYYY')).toBe('%d/%m/%Y');
    expect(strptimePattern('DD-MON-YYYY HH24:MI:SS')).toBe('%d-%b-%Y %H:%M:%S');
    expect(strptimePattern('HH12:MI AM')).toBe('%I:%M %p');
    expect(strptimePattern('YYYY"T"HH24')).toBe('%YT%H');
  });
});
