import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, DriverHost, failureOf, writeParquet } from '../../../test-support/driver.js';
import { type Harness, PASSWORD_USER, startHarness } from '../../../test-support/harness.js';

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

  it('lists the loaded files in INFORMATION_SCHEMA.LOAD_HISTORY', async () => {
    // https://docs.snowflake.com/en/sql-reference/info-schema/load_history: one row per file of a completed COPY,
    // STATUS LOADED / LOAD FAILED / PARTIALLY LOADED. (FILE_NAME as the full URL is the emulator's reading of
    // "Name of source file", not confirmed.)
    const rows = await c.rows(`select schema_name, file_name, table_name, status, row_count, row_parsed, error_count,
      error_limit, first_error_message from information_schema.load_history where table_name = 'T1' order by file_name`);
    expect(rows).toEqual([
      {
        SCHEMA_NAME: 'PUBLIC',
        FILE_NAME: `${base}/sync1/part-0.parquet`,
        TABLE_NAME: 'T1',
        STATUS: 'LOADED',
        ROW_COUNT: 3,
        ROW_PARSED: 3,
        ERROR_COUNT: 0,
        ERROR_LIMIT: 1,
        FIRST_ERROR_MESSAGE: null,
      },
      {
        SCHEMA_NAME: 'PUBLIC',
        FILE_NAME: `${base}/sync1/part-1.parquet`,
        TABLE_NAME: 'T1',
        STATUS: 'LOADED',
        ROW_COUNT: 2,
        ROW_PARSED: 2,
        ERROR_COUNT: 0,
        ERROR_LIMIT: 1,
        FIRST_ERROR_MESSAGE: null,
      },
    ]);
    const columns = (await c.execute('select * from information_schema.load_history')).columns.map((col) => col.name);
    expect(columns).toEqual([
      'SCHEMA_NAME',
      'FILE_NAME',
      'TABLE_NAME',
      'LAST_LOAD_TIME',
      'STATUS',
      'ROW_COUNT',
      'ROW_PARSED',
      'FIRST_ERROR_MESSAGE',
      'FIRST_ERROR_LINE_NUMBER',
      'FIRST_ERROR_CHARACTER_POSITION',
      'FIRST_ERROR_COL_NAME',
      'ERROR_COUNT',
      'ERROR_LIMIT',
    ]);
  });

  it('answers INFORMATION_SCHEMA.VIEWS with its documented columns (the emulator has no views)', async () => {
    // https://docs.snowflake.com/en/sql-reference/info-schema/views
    const result = await c.execute('select * from information_schema.views');
    expect(result.rows).toEqual([]);
    expect(result.columns.map((col) => col.name)).toEqual([
      'TABLE_CATALOG',
      'TABLE_SCHEMA',
      'TABLE_NAME',
      'TABLE_OWNER',
      'VIEW_DEFINITION',
      'CHECK_OPTION',
      'IS_UPDATABLE',
      'INSERTABLE_INTO',
      'IS_SECURE',
      'CREATED',
      'LAST_ALTERED',
      'COMMENT',
    ]);
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

/** COPY_HISTORY as d2s's import worker asks for it (14 days back, fully qualified names). */
const history = (table: string, extra = '') =>
  c.rows(`SELECT FILE_NAME, ROW_COUNT, STATUS${extra}
     FROM TABLE("COPY_DB".INFORMATION_SCHEMA.COPY_HISTORY(
       TABLE_NAME => '"COPY_DB"."PUBLIC"."${table}"', START_TIME => DATEADD(HOUR, -336, CURRENT_TIMESTAMP())))
     ORDER BY FILE_NAME`);

describe('COPY_HISTORY', () => {
  it('lists each file a COPY loaded, with its rows and status and the documented columns', async () => {
    await freshTable('h1');
    await copy('h1', 'sync1/');
    expect(await history('H1')).toEqual([
      { FILE_NAME: 'sync1/part-0.parquet', ROW_COUNT: 3, STATUS: 'Loaded' },
      { FILE_NAME: 'sync1/part-1.parquet', ROW_COUNT: 2, STATUS: 'Loaded' },
    ]);
    const all = await c.execute(
      `select * from table(information_schema.copy_history(table_name => 'h1', start_time => dateadd(minutes, -5, current_timestamp()))) order by file_name`,
    );
    expect(all.columns.map((col) => col.name)).toEqual([
      'FILE_NAME',
      'STAGE_LOCATION',
      'LAST_LOAD_TIME',
      'ROW_COUNT',
      'ROW_PARSED',
      'FILE_SIZE',
      'FIRST_ERROR_MESSAGE',
      'FIRST_ERROR_LINE_NUMBER',
      'FIRST_ERROR_CHARACTER_POS',
      'FIRST_ERROR_COLUMN_NAME',
      'ERROR_COUNT',
      'ERROR_LIMIT',
      'STATUS',
      'TABLE_CATALOG_NAME',
      'TABLE_SCHEMA_NAME',
      'TABLE_NAME',
      'PIPE_CATALOG_NAME',
      'PIPE_SCHEMA_NAME',
      'PIPE_NAME',
      'PIPE_RECEIVED_TIME',
      'BYTES_BILLED',
    ]);
    expect(all.columns.find((col) => col.name === 'LAST_LOAD_TIME')?.type).toBe('timestamp_ltz');
    const first = all.rows[0] as Record<string, unknown>;
    expect(first).toMatchObject({
      FILE_NAME: 'sync1/part-0.parquet',
      STAGE_LOCATION: `${base}/`,
      ROW_COUNT: 3,
      ROW_PARSED: 3,
      FIRST_ERROR_MESSAGE: null,
      ERROR_COUNT: 0,
      ERROR_LIMIT: 1,
      STATUS: 'Loaded',
      TABLE_CATALOG_NAME: 'COPY_DB',
      TABLE_SCHEMA_NAME: 'PUBLIC',
      TABLE_NAME: 'H1',
      PIPE_NAME: null,
      PIPE_RECEIVED_TIME: null,
    });
    expect(first.FILE_SIZE).toBeGreaterThan(0);
    expect(Math.abs(Date.now() - new Date(String(first.LAST_LOAD_TIME)).getTime())).toBeLessThan(60_000);
  });

  it('records failed files as Load failed and partial loads as Partially loaded, but not an aborted COPY', async () => {
    await freshTable('h2');
    await failureOf(copy('h2', 'mixed/'));
    expect(await history('H2')).toEqual([]);
    await copy('h2', 'mixed/', 'on_error = skip_file');
    expect(await history('H2', ', ROW_PARSED, ERROR_COUNT, FIRST_ERROR_MESSAGE, FIRST_ERROR_LINE_NUMBER')).toEqual([
      {
        FILE_NAME: 'mixed/part-0.parquet',
        ROW_COUNT: 3,
        STATUS: 'Loaded',
        ROW_PARSED: 3,
        ERROR_COUNT: 0,
        FIRST_ERROR_MESSAGE: null,
        FIRST_ERROR_LINE_NUMBER: null,
      },
      {
        FILE_NAME: 'mixed/part-1.parquet',
        ROW_COUNT: 0,
        STATUS: 'Load failed',
        ROW_PARSED: 3,
        ERROR_COUNT: 1,
        FIRST_ERROR_MESSAGE: "Numeric value 'abc' is not recognized",
        FIRST_ERROR_LINE_NUMBER: 2,
      },
    ]);
    await freshTable('h2b');
    await copy('h2b', 'mixed/', 'on_error = continue');
    expect((await history('H2B')).map((r) => [r.FILE_NAME, r.ROW_COUNT, r.STATUS])).toEqual([
      ['mixed/part-0.parquet', 3, 'Loaded'],
      ['mixed/part-1.parquet', 2, 'Partially loaded'],
    ]);
  });

  it('filters by table and by the START_TIME / END_TIME window; accepts plain and qualified names', async () => {
    await freshTable('h3');
    await freshTable('h3_other');
    await copy('h3', 'sync1/');
    await copy('h3_other', 'pattern/', "pattern = '.*keep-.*'");
    const q = (args: string) =>
      c.rows(`select file_name from table(information_schema.copy_history(${args})) order by file_name`);
    expect(await q(`table_name => 'h3', start_time => dateadd(hour, -1, current_timestamp())`)).toEqual([
      { FILE_NAME: 'sync1/part-0.parquet' },
      { FILE_NAME: 'sync1/part-1.parquet' },
    ]);
    expect(await q(`table_name => 'public.h3_other', start_time => '2000-01-01 00:00:00'::timestamp_ltz`)).toEqual([
      { FILE_NAME: 'pattern/keep-1.parquet' },
    ]);
    expect(
      await q(`table_name => 'COPY_DB.PUBLIC.H3', start_time => dateadd(minute, 10, current_timestamp())`),
    ).toEqual([]);
    expect(
      await q(
        `table_name => 'h3', start_time => to_timestamp_ltz('2000-01-01'), end_time => dateadd(day, -1, current_timestamp())`,
      ),
    ).toEqual([]);
    expect(
      await q(
        `table_name => 'h3', start_time => dateadd(day, -1, current_timestamp()), end_time => current_timestamp()`,
      ),
    ).toHaveLength(2);
    expect(
      await c.rows(
        `select count(*) as n from table(information_schema.copy_history(table_name => 'h3', start_time => dateadd(hours, -1, current_timestamp()))) where status = 'Loaded' and row_count > 2`,
      ),
    ).toEqual([{ N: 1 }]);
  });

  it('follows the table through ALTER TABLE ... SWAP WITH, and starts afresh after TRUNCATE or re-creation', async () => {
    await freshTable('h4');
    await freshTable('h4_staging');
    await copy('h4', 'sync1/');
    await copy('h4_staging', 'mixed/', 'on_error = continue');
    await c.rows('alter table h4_staging swap with h4');
    const names = async (table: string) =>
      (await history(table, ', TABLE_NAME')).map((r) => [r.FILE_NAME, r.TABLE_NAME]);
    expect(await names('H4')).toEqual([
      ['mixed/part-0.parquet', 'H4'],
      ['mixed/part-1.parquet', 'H4'],
    ]);
    expect(await names('H4_STAGING')).toEqual([
      ['sync1/part-0.parquet', 'H4_STAGING'],
      ['sync1/part-1.parquet', 'H4_STAGING'],
    ]);
    await c.rows('truncate table h4');
    expect(await history('H4')).toEqual([]);
    await c.rows('create or replace table h4_staging (id number(38,0), name varchar, score float)');
    expect(await history('H4_STAGING')).toEqual([]);
  });

  it('fails on a missing table or database like Snowflake', async () => {
    const missing = await failureOf(history('NOPE'));
    expect(missing.code).toBe('002003');
    expect(missing.message).toContain("Table 'COPY_DB.PUBLIC.NOPE' does not exist or not authorized.");
    const noDb = await failureOf(
      c.execute(
        `select * from table(nodb.information_schema.copy_history(table_name => 't', start_time => current_timestamp()))`,
      ),
    );
    expect(noDb.code).toBe('002003');
  });

  it('records a COPY whose client went away mid-statement (the server finishes it)', async () => {
    await freshTable('h5');
    const host = new DriverHost();
    const gone = await host.connect({
      accessUrl: h.emulator.url,
      account: 'testacct',
      username: PASSWORD_USER.name,
      password: PASSWORD_USER.password,
      database: 'COPY_DB',
      schema: 'PUBLIC',
    });
    const sql =
      'copy into h5 from @exports/sync1/ file_format = (type = parquet) match_by_column_name = case_insensitive';
    h.emulator.admin.setLatency(500);
    try {
      gone.execute(sql).catch(() => undefined);
      const find = () => h.emulator.queryLog.entries().find((e) => e.sql === sql);
      for (let i = 0; i < 100 && !find(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(find()?.status).toBe('RUNNING');
      await host.close();
    } finally {
      h.emulator.admin.setLatency(0);
    }
    for (let i = 0; i < 200 && logStatus(sql) === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(logStatus(sql)).toBe('SUCCESS');
    expect(await history('H5')).toEqual([
      { FILE_NAME: 'sync1/part-0.parquet', ROW_COUNT: 3, STATUS: 'Loaded' },
      { FILE_NAME: 'sync1/part-1.parquet', ROW_COUNT: 2, STATUS: 'Loaded' },
    ]);
  });
});

function logStatus(sql: string): string | undefined {
  return h.emulator.queryLog.entries().find((e) => e.sql === sql)?.status;
}

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
