import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf, writeParquet } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

let h: Harness;
let c: DriverConnection;
const base = 's3://lake/exports';

beforeAll(async () => {
  h = await startHarness();
  const good = (from: number, to: number) =>
    `SELECT i::BIGINT AS id, 'name-' || i AS name, (i * 1.5)::DOUBLE AS score FROM range(${from}, ${to}) t(i)`;
  await writeParquet(h.root, `${base}/sync1/part-0.parquet`, good(1, 4));
  await writeParquet(h.root, `${base}/sync1/part-1.parquet`, good(4, 6));
  await writeParquet(h.root, `${base}/mixed/part-0.parquet`, good(10, 13));
  await writeParquet(
    h.root,
    `${base}/mixed/part-1.parquet`,
    `SELECT * FROM (VALUES ('20', 'ok', 1.0), ('abc', 'bad', 2.0), ('21', 'ok', 3.0)) v(id, name, score)`,
  );
  await writeParquet(h.root, `${base}/pattern/keep-1.parquet`, good(1, 3));
  await writeParquet(h.root, `${base}/pattern/skip-1.parquet`, good(1, 3));
  await writeParquet(h.root, `${base}/inject/part-0.parquet`, good(1, 3));
  await writeParquet(h.root, `${base}/inject/part-1.parquet`, good(3, 5));
  c = await h.connect();
  await c.rows('create database copy_db');
  await c.rows('create file format pq type = parquet');
  await c.rows(`create stage exports url = '${base}/' file_format = (format_name = 'pq')`);
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

async function freshTable(name: string): Promise<void> {
  await c.rows(`create or replace table ${name} (id number(38,0), name varchar, score float)`);
}

const copy = (table: string, path: string, options = '') =>
  c.rows(
    `copy into ${table} from @exports/${path} file_format = (type = parquet) match_by_column_name = case_insensitive ${options}`,
  );

describe('COPY INTO from Parquet', () => {
  it('loads every file and answers one row per file', async () => {
    await freshTable('t1');
    const result = await copy('t1', 'sync1/');
    expect(result).toEqual([
      {
        file: `${base}/sync1/part-0.parquet`,
        status: 'LOADED',
        rows_parsed: 3,
        rows_loaded: 3,
        error_limit: 1,
        errors_seen: 0,
        first_error: null,
        first_error_line: null,
        first_error_character: null,
        first_error_column_name: null,
      },
      {
        file: `${base}/sync1/part-1.parquet`,
        status: 'LOADED',
        rows_parsed: 2,
        rows_loaded: 2,
        error_limit: 1,
        errors_seen: 0,
        first_error: null,
        first_error_line: null,
        first_error_character: null,
        first_error_column_name: null,
      },
    ]);
    expect(await c.rows('select count(*) as n, sum(score) as s from t1')).toEqual([{ N: 5, S: 22.5 }]);
  });

  it('skips files already loaded into the table, unless FORCE', async () => {
    await freshTable('t2');
    await copy('t2', 'sync1');
    expect(await copy('t2', 'sync1')).toEqual([{ status: 'Copy executed with 0 files processed.' }]);
    expect((await copy('t2', 'sync1', 'force = true')).map((r) => r.status)).toEqual(['LOADED', 'LOADED']);
    expect(await c.rows('select count(*) as n from t2')).toEqual([{ N: 10 }]);
  });

  it('keeps load metadata with the table through a SWAP, and drops it with TRUNCATE', async () => {
    await freshTable('t3');
    await freshTable('t3_staging');
    await copy('t3_staging', 'sync1/');
    await c.rows('alter table t3_staging swap with t3');
    expect(await copy('t3', 'sync1/')).toEqual([{ status: 'Copy executed with 0 files processed.' }]);
    expect((await copy('t3_staging', 'sync1/')).length).toBe(2);
    await c.rows('truncate table t3');
    expect((await copy('t3', 'sync1/')).length).toBe(2);
  });

  it('answers the single status row when no file matches', async () => {
    await freshTable('t4');
    expect(await copy('t4', 'nothing-here/')).toEqual([{ status: 'Copy executed with 0 files processed.' }]);
  });

  it('with ON_ERROR = ABORT_STATEMENT fails the statement and loads nothing', async () => {
    await freshTable('t5');
    const err = await failureOf(copy('t5', 'mixed/'));
    expect(err.code).toBe('100038');
    expect(err.sqlState).toBe('22018');
    expect(err.message).toContain("Numeric value 'abc' is not recognized");
    expect(err.message).toContain(`File '${base}/mixed/part-1.parquet', line 2`);
    expect(err.message).toContain('"T5"["ID":1]');
    expect(await c.rows('select count(*) as n from t5')).toEqual([{ N: 0 }]);
    expect((await copy('t5', 'mixed/', 'on_error = continue')).length).toBe(2);
  });

  it('with ON_ERROR = CONTINUE loads the good rows and reports PARTIALLY_LOADED', async () => {
    await freshTable('t6');
    const result = await copy('t6', 'mixed/', 'on_error = continue');
    expect(result[0]).toMatchObject({ status: 'LOADED', rows_parsed: 3, rows_loaded: 3, errors_seen: 0 });
    expect(result[1]).toEqual({
      file: `${base}/mixed/part-1.parquet`,
      status: 'PARTIALLY_LOADED',
      rows_parsed: 3,
      rows_loaded: 2,
      error_limit: 3,
      errors_seen: 1,
      first_error: "Numeric value 'abc' is not recognized",
      first_error_line: 2,
      first_error_character: 1,
      first_error_column_name: '"T6"["ID":1]',
    });
    expect(await c.rows('select count(*) as n from t6')).toEqual([{ N: 5 }]);
    expect(await copy('t6', 'mixed/', 'on_error = continue')).toEqual([
      { status: 'Copy executed with 0 files processed.' },
    ]);
  });

  it('with ON_ERROR = SKIP_FILE skips the failing file', async () => {
    await freshTable('t7');
    const result = await copy('t7', 'mixed/', 'on_error = skip_file');
    expect(result.map((r) => [r.status, r.rows_loaded])).toEqual([
      ['LOADED', 3],
      ['LOAD_FAILED', 0],
    ]);
    expect(await c.rows('select count(*) as n from t7')).toEqual([{ N: 3 }]);
  });

  it('filters files with PATTERN (matched against the path under the stage)', async () => {
    await freshTable('t8');
    const result = await copy('t8', '', "pattern = '.*keep-.*[.]parquet'");
    expect(result.map((r) => r.file)).toEqual([`${base}/pattern/keep-1.parquet`]);
  });

  it('fails a file the admin marks as failing (a COPY that fails part-way)', async () => {
    await freshTable('t9');
    h.emulator.admin.failFiles([{ match: 'inject/part-1' }]);
    try {
      const result = await copy('t9', 'inject/', 'on_error = continue');
      expect(result.map((r) => r.status)).toEqual(['LOADED', 'LOAD_FAILED']);
      expect(result[1]?.first_error).toMatch(/parquet/);
      await freshTable('t9');
      const err = await failureOf(copy('t9', 'inject/'));
      expect(err.message).toMatch(/inject\/part-1/);
      expect(await c.rows('select count(*) as n from t9')).toEqual([{ N: 0 }]);
    } finally {
      h.emulator.admin.resetFaults();
    }
  });

  it('requires MATCH_BY_COLUMN_NAME for multi-column Parquet loads', async () => {
    await freshTable('t10');
    const err = await failureOf(c.execute('copy into t10 from @exports/sync1/'));
    expect(err.message).toContain('PARQUET file format can produce one and only one column');
  });

  it('fails on a missing table or stage with 002003', async () => {
    expect((await failureOf(c.execute('copy into nope from @exports/sync1/'))).code).toBe('002003');
    expect((await failureOf(c.execute('copy into t1 from @nostage/x'))).code).toBe('002003');
  });
});

describe('stages', () => {
  it('lists files with name, size, md5 and last_modified', async () => {
    const listed = await c.rows('list @exports/sync1');
    expect(listed.map((r) => r.name)).toEqual([`${base}/sync1/part-0.parquet`, `${base}/sync1/part-1.parquet`]);
    expect(listed[0]?.size).toBeGreaterThan(0);
    expect(listed[0]?.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(String(listed[0]?.last_modified)).toMatch(/GMT$/);
  });

  it('creates a table from INFER_SCHEMA with USING TEMPLATE', async () => {
    await c.rows(`create table inferred using template (
      select array_agg(object_construct(*)) within group (order by order_id)
      from table(infer_schema(location => '@exports/sync1/', file_format => 'pq')))`);
    expect((await c.rows('describe table inferred')).map((r) => [r.name, r.type])).toEqual([
      ['id', 'NUMBER(38,0)'],
      ['name', 'VARCHAR(16777216)'],
      ['score', 'FLOAT'],
    ]);
    const loaded = await c.rows(`copy into inferred from @exports/sync1/ match_by_column_name = case_sensitive`);
    expect(loaded.map((r) => r.rows_loaded)).toEqual([3, 2]);
    expect(await c.rows('select "id", "name" from inferred where "id" = 1')).toEqual([{ id: 1, name: 'name-1' }]);
    const schema = await c.rows(
      `select * from table(infer_schema(location => '@exports/sync1/', file_format => 'pq'))`,
    );
    expect(schema.map((r) => [r.COLUMN_NAME, r.TYPE])).toEqual([
      ['id', 'NUMBER(38,0)'],
      ['name', 'TEXT'],
      ['score', 'REAL'],
    ]);
  });

  it('shows stages', async () => {
    const stages = await c.rows("show stages like 'EXP%'");
    expect(stages.map((s) => [s.name, s.url, s.type])).toEqual([['EXPORTS', `${base}/`, 'EXTERNAL']]);
  });
});
