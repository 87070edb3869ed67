import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf, writeParquet } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * Session parameters and timestamps, checked through the unmodified driver,
 * which formats timestamps itself from the parameters each response echoes
 * (fetchAsString: ['Date'] gives the driver's own text).
 *
 * Sources:
 * - Parameters reference (https://docs.snowflake.com/en/sql-reference/parameters):
 *   TIMEZONE defaults to America/Los_Angeles; TIMESTAMP_TYPE_MAPPING defaults
 *   to TIMESTAMP_NTZ and decides what TIMESTAMP means; output format defaults.
 * - Date & time data types (https://docs.snowflake.com/en/sql-reference/data-types-datetime):
 *   TIMESTAMP_LTZ is stored as UTC and shown in the session zone; a literal
 *   without an offset is read in the session zone; TIMESTAMP_NTZ ignores an
 *   offset in its input; offsets may be written `+hhmi`, `+hh:mi`, with or
 *   without a space, or `Z`.
 * - SHOW PARAMETERS (https://docs.snowflake.com/en/sql-reference/sql/show-parameters):
 *   LIKE is case-insensitive; IN SESSION | ACCOUNT; columns key, value,
 *   default, level, description, type.
 * - Parquet timestamps: snowflakedb/snowflake-connector-python issues #1687
 *   and #1688 (Snowflake reads the stored UTC wall clock and casts it in the
 *   session zone), bruin-data/ingestr pull #775 (USE_LOGICAL_TYPE defaults to
 *   FALSE; TRUE honours the logical type).
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database session_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const asText = async (sql: string) => (await c.execute(sql, undefined, { fetchAsString: ['Date'] })).rows[0];

describe('TIMEZONE and timestamp literals', () => {
  it('defaults to America/Los_Angeles and reads an LTZ literal without offset in that zone', async () => {
    expect(await asText(`select '2024-01-15 10:00:00'::timestamp_ltz as t`)).toEqual({
      T: '2024-01-15 10:00:00.000 -0800',
    });
    const { rows } = await c.execute(`select '2024-01-15 10:00:00'::timestamp_ltz as t`);
    expect((rows[0]?.T as Date).toISOString()).toBe('2024-01-15T18:00:00.000Z');
  });

  it('accepts offsets with or without a space and colon, Z, and fractional seconds', async () => {
    expect(
      await asText(`select '2024-01-15 10:00:00 +0100'::timestamp_ltz as a, '2024-01-15 10:00:00+01:00'::timestamp_ltz as b,
        '2024-01-15T10:00:00Z'::timestamp_ltz as z, to_timestamp_ltz('2024-01-15 10:00:00.123456 -05:00') as f`),
    ).toEqual({
      A: '2024-01-15 01:00:00.000 -0800',
      B: '2024-01-15 01:00:00.000 -0800',
      Z: '2024-01-15 02:00:00.000 -0800',
      F: '2024-01-15 07:00:00.123 -0800',
    });
  });

  it('ignores the offset of a TIMESTAMP_NTZ literal', async () => {
    expect(await asText(`select '2024-01-15 10:00:00 +0100'::timestamp_ntz as t`)).toEqual({
      T: '2024-01-15 10:00:00.000',
    });
  });

  it('shows LTZ values in the zone set with ALTER SESSION, and UNSET restores the default', async () => {
    await c.rows(`alter session set timezone = 'Asia/Tokyo'`);
    expect(await asText(`select '2024-01-15T10:00:00Z'::timestamp_ltz as t`)).toEqual({
      T: '2024-01-15 19:00:00.000 +0900',
    });
    await c.rows('alter session unset timezone');
    expect(await asText(`select '2024-01-15T10:00:00Z'::timestamp_ltz as t`)).toEqual({
      T: '2024-01-15 02:00:00.000 -0800',
    });
  });

  it('refuses an unknown time zone and an unknown parameter', async () => {
    const zone = await failureOf(c.execute(`alter session set timezone = 'Mars/Olympus'`));
    expect(zone.message).toContain(`invalid value ['Mars/Olympus'] for parameter 'TIMEZONE'`);
    const unknown = await failureOf(c.execute(`alter session set no_such_parameter = 1`));
    expect(unknown.message).toContain(`invalid parameter 'NO_SUCH_PARAMETER'`);
  });
});

describe('TIMESTAMP_TYPE_MAPPING', () => {
  it('makes TIMESTAMP mean TIMESTAMP_NTZ by default and what the session maps it to', async () => {
    await c.rows('create table mapped_default (t timestamp)');
    await c.rows(`alter session set timestamp_type_mapping = 'TIMESTAMP_LTZ'`);
    await c.rows('create table mapped_ltz (t timestamp, d datetime)');
    await c.rows('alter session unset timestamp_type_mapping');
    const described = async (table: string) => (await c.rows(`describe table ${table}`)).map((r) => [r.name, r.type]);
    expect(await described('mapped_default')).toEqual([['T', 'TIMESTAMP_NTZ(9)']]);
    expect(await described('mapped_ltz')).toEqual([
      ['T', 'TIMESTAMP_LTZ(9)'],
      ['D', 'TIMESTAMP_NTZ(9)'],
    ]);
  });
});

describe('SHOW PARAMETERS', () => {
  it('lists session parameters with their value, default and the level they were set at', async () => {
    const before = await c.rows(`show parameters like 'timezone' in session`);
    expect(before).toEqual([
      {
        key: 'TIMEZONE',
        value: 'America/Los_Angeles',
        default: 'America/Los_Angeles',
        level: '',
        description: expect.any(String),
        type: 'STRING',
      },
    ]);
    await c.rows(`alter session set query_tag = 'nightly', timezone = 'UTC'`);
    const after = await c.rows(`show parameters like '%zone' in session`);
    expect(after.map((r) => [r.key, r.value, r.level])).toEqual([['TIMEZONE', 'UTC', 'SESSION']]);
    const account = await c.rows(`show parameters like 'QUERY_TAG' in account`);
    expect(account.map((r) => [r.key, r.value, r.level])).toEqual([['QUERY_TAG', '', '']]);
    await c.rows('alter session unset query_tag, timezone');
  });
});

describe('Parquet timestamps loaded by COPY', () => {
  const base = 's3://lake/ts';
  beforeAll(async () => {
    // DuckDB writes TIMESTAMPTZ with isAdjustedToUTC = true and TIMESTAMP with false.
    await writeParquet(
      h.root,
      `${base}/part-0.parquet`,
      `SELECT TIMESTAMPTZ '2024-01-15 10:00:00+00' AS utc_ts, TIMESTAMP '2024-01-15 10:00:00' AS wall_ts`,
    );
    await c.rows(`create stage ts_stage url = '${base}/'`);
  });

  it('loads the stored UTC wall clock: unchanged into NTZ, read in the session zone into LTZ', async () => {
    await c.rows('create table loaded (utc_ts timestamp_ntz, wall_ts timestamp_ntz)');
    await c.rows(
      `copy into loaded from @ts_stage file_format = (type = parquet) match_by_column_name = case_insensitive`,
    );
    expect(await asText('select utc_ts, wall_ts from loaded')).toEqual({
      UTC_TS: '2024-01-15 10:00:00.000',
      WALL_TS: '2024-01-15 10:00:00.000',
    });
    await c.rows('create table loaded_ltz (utc_ts timestamp_ltz)');
    await c.rows(
      `copy into loaded_ltz from @ts_stage file_format = (type = parquet) match_by_column_name = case_insensitive`,
    );
    expect(await asText('select utc_ts from loaded_ltz')).toEqual({ UTC_TS: '2024-01-15 10:00:00.000 -0800' });
  });

  it('loads into TIMESTAMP_TZ with the session offset (the UTC wall clock read in the session zone)', async () => {
    await c.rows('create table loaded_tz (utc_ts timestamp_tz, wall_ts timestamp_tz)');
    await c.rows(
      `copy into loaded_tz from @ts_stage file_format = (type = parquet) match_by_column_name = case_insensitive`,
    );
    expect(await asText('select utc_ts, wall_ts from loaded_tz')).toEqual({
      UTC_TS: '2024-01-15 10:00:00.000 -0800',
      WALL_TS: '2024-01-15 10:00:00.000 -0800',
    });
  });

  it('keeps the instant for LTZ with USE_LOGICAL_TYPE = TRUE', async () => {
    await c.rows('create table loaded_logical (utc_ts timestamp_ltz)');
    await c.rows(
      `copy into loaded_logical from @ts_stage file_format = (type = parquet use_logical_type = true) match_by_column_name = case_insensitive`,
    );
    expect(await asText('select utc_ts from loaded_logical')).toEqual({ UTC_TS: '2024-01-15 02:00:00.000 -0800' });
  });
});
