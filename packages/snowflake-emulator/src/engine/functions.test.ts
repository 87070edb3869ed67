import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/**
 * Snowflake's everyday functions through the unmodified driver. Each expected
 * value comes from the function's page in the SQL reference (cited per test).
 */
let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database functions_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

/** The driver hands DATE / TIMESTAMP_NTZ back as Dates (at UTC midnight for a DATE). */
const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

describe('DATEADD / DATEDIFF', () => {
  it('adds parts, keeps a DATE a DATE and clamps month ends', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/dateadd: DATEADD(month, 1, '2000-01-31'::DATE) is
    // 2000-02-29; date parts keep DATE, time parts give TIMESTAMP_NTZ; parts may be quoted and abbreviated
    // (https://docs.snowflake.com/en/sql-reference/functions-date-time#label-supported-date-time-parts).
    const result = await c.execute(`select dateadd(month, 1, '2000-01-31'::date) as m,
      dateadd('day', -3, '2024-03-01'::date) as d, dateadd(qtr, 1, '2024-01-31'::date) as q,
      dateadd(yy, 1, '2024-02-29'::date) as y, dateadd(wk, 2, '2024-01-01'::date) as w,
      dateadd(hour, 2, '2024-01-01'::date) as h, timestampadd(minute, 90, '2024-01-01 23:00:00'::timestamp_ntz) as mi`);
    expect(result.rows).toEqual([
      {
        M: day('2000-02-29'),
        D: day('2024-02-27'),
        Q: day('2024-04-30'),
        Y: day('2025-02-28'),
        W: day('2024-01-15'),
        H: new Date('2024-01-01T02:00:00.000Z'),
        MI: new Date('2024-01-02T00:30:00.000Z'),
      },
    ]);
    expect(result.columns.map((col) => col.type)).toEqual([
      'date',
      'date',
      'date',
      'date',
      'date',
      'timestamp_ntz',
      'timestamp_ntz',
    ]);
  });

  it('counts the part boundaries crossed, not elapsed whole units', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/datediff: "the values are rounded to the
    // date_or_time_part"; one second across midnight of 31 Dec is one year. Weeks start on Monday with the
    // default WEEK_START = 0 (https://docs.snowflake.com/en/sql-reference/functions-date-time#label-calendar-weeks-weekdays):
    // Sunday 2024-01-07 to Monday 2024-01-08 is one week, Monday to Sunday of the same week none.
    const rows = await c.rows(`select
      datediff(year, '2023-12-31 23:59:59'::timestamp_ntz, '2024-01-01 00:00:00'::timestamp_ntz) as y,
      datediff(year, '2010-04-09 14:39:20'::timestamp_ntz, '2013-05-08 23:39:20'::timestamp_ntz) as y3,
      datediff(quarter, '2024-03-31'::date, '2024-04-01'::date) as q,
      datediff(month, '2024-01-31'::date, '2024-02-01'::date) as mo,
      datediff(week, '2024-01-07'::date, '2024-01-08'::date) as w1,
      datediff(week, '2024-01-08'::date, '2024-01-14'::date) as w0,
      datediff(day, '2024-03-01'::date, '2024-02-28'::date) as d,
      datediff('hour', '2024-01-01 10:59:59'::timestamp_ntz, '2024-01-01 11:00:00'::timestamp_ntz) as h,
      timestampdiff(minute, '2024-01-01 10:00:59'::timestamp_ntz, '2024-01-01 10:01:00'::timestamp_ntz) as mi`);
    expect(rows).toEqual([{ Y: 1, Y3: 3, Q: 1, MO: 1, W1: 1, W0: 0, D: -2, H: 1, MI: 1 }]);
  });

  it('refuses a part it does not know', async () => {
    const err = await failureOf(c.execute(`select dateadd(fortnight, 1, '2024-01-01'::date)`));
    expect(err.code).toBe('001003');
    expect(err.message).toContain("'fortnight'");
  });
});

describe('TO_CHAR / TO_VARCHAR with a format', () => {
  it('prints date and time format elements', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/to_char: TO_VARCHAR('2013-04-05'::DATE,
    // 'mon dd, yyyy') is 'Apr 05, 2013'; element list in
    // https://docs.snowflake.com/en/sql-reference/date-time-input-output (FF3 = milliseconds, DY = 'Fri').
    const rows = await c.rows(`select
      to_varchar('2013-04-05'::date, 'mon dd, yyyy') as a,
      to_char('2024-03-05 14:07:09.123456'::timestamp_ntz, 'YYYY-MM-DD HH24:MI:SS.FF3') as b,
      to_char('2024-03-05 14:07:09.123456'::timestamp_ntz, 'DY DD MMMM YY HH12:MI AM "at" FF6') as c,
      to_char('2024-04-05'::date, 'YYYY%MM') as d`);
    expect(rows).toEqual([
      {
        A: 'Apr 05, 2013',
        B: '2024-03-05 14:07:09.123',
        C: 'Tue 05 March 24 02:07 PM at 123456',
        D: '2024%04',
      },
    ]);
  });

  it('fails clearly on elements it cannot print yet', async () => {
    const err = await failureOf(c.execute(`select to_char('2024-03-05'::date, 'YYYY TZH:TZM')`));
    expect(err.code).toBe('000002');
    expect(err.message).toContain('TZH');
  });
});

describe('aggregates', () => {
  it('LISTAGG orders WITHIN GROUP, honours DISTINCT and the delimiter, skips NULLs', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/listagg: NULLs are ignored, the delimiter
    // defaults to '' and an empty input gives an empty string.
    const rows = await c.rows(`select
      listagg(column1, ', ') within group (order by column1) as l,
      listagg(distinct column1, '|') within group (order by column1 desc) as d,
      listagg(column1) within group (order by column1) as n
      from values ('b'), ('a'), ('a'), (null)`);
    expect(rows).toEqual([{ L: 'a, a, b', D: 'b|a', N: 'aab' }]);
    const empty = await c.rows(`select listagg(column1, ',') as e from values ('x') where column1 = 'y'`);
    expect(empty).toEqual([{ E: '' }]);
  });

  it('LISTAGG per group', async () => {
    const rows = await c.rows(`select column1 as k, listagg(column2, ',') within group (order by column2) as v
      from values (1, 'z'), (1, 'y'), (2, 'x') group by column1 order by column1`);
    expect(rows).toEqual([
      { K: 1, V: 'y,z' },
      { K: 2, V: 'x' },
    ]);
  });

  it('ARRAY_AGG leaves NULLs out, orders WITHIN GROUP and gives [] for no rows', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/array_agg: "NULL values are omitted from the output";
    // an empty input returns an empty ARRAY.
    const result = await c.execute(
      'select array_agg(column1) within group (order by column1 desc) as a from values (1), (3), (null), (2)',
    );
    expect(result.rows).toEqual([{ A: [3, 2, 1] }]);
    expect(result.columns[0]?.type).toBe('array');
    expect(await c.rows('select array_agg(column1) as a from values (1) where column1 > 5')).toEqual([{ A: [] }]);
  });
});

describe('FROM VALUES', () => {
  it('names the columns COLUMN1…, or as the alias lists them', async () => {
    // https://docs.snowflake.com/en/sql-reference/constructs/values: columns are COLUMN1, COLUMN2, …
    expect(await c.rows(`select * from values (1, 'one'), (2, 'two') order by column1`)).toEqual([
      { COLUMN1: 1, COLUMN2: 'one' },
      { COLUMN1: 2, COLUMN2: 'two' },
    ]);
    expect(await c.rows(`select v.column2 from values (1, 'one') as v`)).toEqual([{ COLUMN2: 'one' }]);
    expect(await c.rows(`select n, w from values (1, 'one') as t(n, w)`)).toEqual([{ N: 1, W: 'one' }]);
  });
});

describe('semi-structured data', () => {
  beforeAll(async () => {
    await c.rows('create table docs (id int, v variant)');
    await c.rows(`insert into docs select 1, parse_json('{"a": {"b": [10, 20]}, "Quoted Key": "q", "name": "ann",
      "items": [{"n": "x", "p": 1.5}, {"n": "y", "p": 2}], "when": "2024-01-15"}')`);
  });

  it('walks paths with :, . and [], keys case-sensitive, and casts them', async () => {
    // https://docs.snowflake.com/en/user-guide/querying-semistructured: src:salesperson.name, src:vehicle[0],
    // src:"Quoted"; a cast (::string) gives the value without JSON quotes; key names are case-sensitive.
    const result = await c.execute(`select v:a.b[0] as first, v:a.b[1]::number(10,2) as second,
      v:"Quoted Key"::string as quoted, v:name::string as name, v:NAME as missing,
      v:items[1].n::varchar as item, v['name']::string as bracket_name, v:when::date as d from docs`);
    expect(result.rows).toEqual([
      {
        FIRST: 10,
        SECOND: 20,
        QUOTED: 'q',
        NAME: 'ann',
        MISSING: null,
        ITEM: 'y',
        BRACKET_NAME: 'ann',
        D: day('2024-01-15'),
      },
    ]);
    expect(result.columns.map((col) => [col.name, col.type, col.scale])).toEqual([
      ['FIRST', 'variant', null],
      ['SECOND', 'fixed', 2],
      ['QUOTED', 'text', null],
      ['NAME', 'text', null],
      ['MISSING', 'variant', null],
      ['ITEM', 'text', null],
      ['BRACKET_NAME', 'text', null],
      ['D', 'date', null],
    ]);
  });

  it('names an unaliased path column after its text, upper-cased', async () => {
    // As in the docs' examples, whose result headers read SRC:SALESPERSON.NAME.
    const result = await c.execute('select v:items[0].n from docs');
    expect(result.columns.map((col) => col.name)).toEqual(['V:ITEMS[0].N']);
    expect(result.rows).toEqual([{ 'V:ITEMS[0].N': 'x' }]);
  });

  it('OBJECT_CONSTRUCT is an OBJECT, ARRAY_CONSTRUCT an ARRAY and PARSE_JSON a VARIANT', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/object_construct ("Returns ... OBJECT"),
    // .../array_construct ("ARRAY"), .../parse_json ("VARIANT"); a ::OBJECT / ::ARRAY cast types its result
    // likewise (https://docs.snowflake.com/en/sql-reference/data-types-semistructured). The driver reports the
    // column type it was sent (getType()).
    const result = await c.execute(`select object_construct('a', 1, 'b', 'x') as o, parse_json('[1, {"k": null}]') as p,
      array_construct(1, 'two') as a, parse_json('{"z": 1}')::object, array_construct(1) arr, to_array(1) as t`);
    expect(result.rows).toEqual([
      {
        O: { a: 1, b: 'x' },
        P: [1, { k: null }],
        A: [1, 'two'],
        'PARSE_JSON(\'{"Z": 1}\')::OBJECT': { z: 1 },
        ARR: [1],
        T: [1],
      },
    ]);
    expect(result.columns.map((col) => col.type)).toEqual(['object', 'variant', 'array', 'object', 'array', 'array']);
  });

  it('sends VARIANT text pretty-printed, as the driver reads it with fetchAsString', async () => {
    // The snowflake-sdk's own integration tests (snowflakedb/snowflake-connector-nodejs, data types, "returns
    // VARIANT as the raw text the server sent when fetchAsString is set") expect '{\n  "a": 1\n}'.
    const { rows } = await c.execute(
      `select parse_json('{"a": 1}') as v, parse_json('{"a": [1, {"b": 2.5}], "e": {}}') as nested`,
      undefined,
      { fetchAsString: ['JSON'] },
    );
    expect(rows).toEqual([
      { V: '{\n  "a": 1\n}', NESTED: '{\n  "a": [\n    1,\n    {\n      "b": 2.5\n    }\n  ],\n  "e": {}\n}' },
    ]);
  });

  it('LATERAL FLATTEN has SEQ, KEY, PATH, INDEX, VALUE and THIS', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/flatten#output: for an array KEY is NULL, INDEX
    // the element's index and PATH '[i]'; for an object KEY is the key, INDEX NULL and PATH the key.
    const rows = await c.rows(`select d.id, f.index, f.key, f.path, f.value:n::string as n, f.value:p as p
      from docs d, lateral flatten(input => d.v:items) f order by f.index`);
    expect(rows).toEqual([
      { ID: 1, INDEX: 0, KEY: null, PATH: '[0]', N: 'x', P: 1.5 },
      { ID: 1, INDEX: 1, KEY: null, PATH: '[1]', N: 'y', P: 2 },
    ]);
    const object = await c.rows(
      `select f.key, f.path, f.index, f.value, f.this from table(flatten(input => parse_json('{"k": [1]}'))) f`,
    );
    expect(object).toEqual([{ KEY: 'k', PATH: 'k', INDEX: null, VALUE: [1], THIS: { k: [1] } }]);
  });

  it('FLATTEN takes PATH, OUTER, RECURSIVE and MODE', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/flatten#arguments: PATH names the element to flatten
    // (its paths in the output start with it, as in the page's example, b[0]); OUTER => TRUE gives exactly one row
    // "with NULL in the KEY, INDEX, and VALUE columns" for an input that expands to no row, which FALSE omits;
    // RECURSIVE => TRUE expands every sub-element, THIS being "the element being flattened"; MODE limits the
    // expansion to objects or arrays.
    const parse = (json: string) => `parse_json('${json}')`;
    expect(
      await c.rows(`select f.key, f.path, f.index, f.value, f.this
        from table(flatten(input => ${parse('{"a": 1, "b": [77, 88]}')}, path => 'b')) f order by f.index`),
    ).toEqual([
      { KEY: null, PATH: 'b[0]', INDEX: 0, VALUE: 77, THIS: [77, 88] },
      { KEY: null, PATH: 'b[1]', INDEX: 1, VALUE: 88, THIS: [77, 88] },
    ]);
    const inputs = `(select 1 as id, ${parse('[]')} as v union all select 2, ${parse('[5]')}
      union all select 3, ${parse('{"k": 1}')}) d`;
    expect(
      await c.rows(`select d.id, f.key, f.index, f.value from ${inputs},
        lateral flatten(input => d.v, outer => true) f order by d.id`),
    ).toEqual([
      { ID: 1, KEY: null, INDEX: null, VALUE: null },
      { ID: 2, KEY: null, INDEX: 0, VALUE: 5 },
      { ID: 3, KEY: 'k', INDEX: null, VALUE: 1 },
    ]);
    expect(
      await c.rows(`select d.id from ${inputs}, lateral flatten(input => d.v, outer => false) f order by d.id`),
    ).toEqual([{ ID: 2 }, { ID: 3 }]);
    const recursive = await c.rows(`select f.key, f.path, f.index, f.value, f.this
      from table(flatten(input => ${parse('{"a": 1, "b": [77, 88], "c": {"d": "X"}}')}, recursive => true)) f
      order by f.path`);
    expect(recursive).toEqual([
      { KEY: 'a', PATH: 'a', INDEX: null, VALUE: 1, THIS: { a: 1, b: [77, 88], c: { d: 'X' } } },
      { KEY: 'b', PATH: 'b', INDEX: null, VALUE: [77, 88], THIS: { a: 1, b: [77, 88], c: { d: 'X' } } },
      { KEY: null, PATH: 'b[0]', INDEX: 0, VALUE: 77, THIS: [77, 88] },
      { KEY: null, PATH: 'b[1]', INDEX: 1, VALUE: 88, THIS: [77, 88] },
      { KEY: 'c', PATH: 'c', INDEX: null, VALUE: { d: 'X' }, THIS: { a: 1, b: [77, 88], c: { d: 'X' } } },
      { KEY: 'd', PATH: 'c.d', INDEX: null, VALUE: 'X', THIS: { d: 'X' } },
    ]);
    expect(await c.rows(`select * from table(flatten(input => ${parse('{"a": [1]}')}, mode => 'ARRAY'))`)).toEqual([]);
    const arraysOnly = await c.rows(`select f.path from table(flatten(input => ${parse('[[1], {"k": [2]}]')},
      recursive => true, mode => 'array')) f order by f.path`);
    expect(arraysOnly.map((row) => row.PATH)).toEqual(['[0]', '[0][0]', '[1]']);
    const bad = await failureOf(c.execute(`select * from table(flatten(input => ${parse('[1]')}, mode => 'SOME'))`));
    expect(bad.code).toBe('002025');
  });
});

describe('RANDOM(seed)', () => {
  it('gives the same sequence for the same seed, one value per row, and feeds UNIFORM', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/random: with a seed the values are the same from run
    // to run (its example draws three rows from RANDOM(4711)) but still differ from row to row; the values are
    // 64-bit integers. https://docs.snowflake.com/en/sql-reference/functions/uniform: "gen ... If gen is a
    // constant, the same value is returned"; with RANDOM(seed) the draw is repeatable.
    const draw = (seed: number) =>
      c.rows(`select random(${seed}) as r, uniform(1, 6, random(${seed})) as die from table(generator(rowcount => 5))`);
    const first = await draw(4711);
    expect(await draw(4711)).toEqual(first);
    expect(new Set(first.map((row) => row.R)).size).toBe(5);
    expect((await draw(42)).map((row) => row.R)).not.toEqual(first.map((row) => row.R));
    for (const row of first) {
      expect(Number.isInteger(row.R)).toBe(true);
      expect([1, 2, 3, 4, 5, 6]).toContain(row.DIE);
    }
    const types = await c.execute('select random(1) as r');
    expect(types.columns.map(({ type, scale }) => ({ type, scale }))).toEqual([{ type: 'fixed', scale: 0 }]);
  });
});

describe('TABLE(GENERATOR(ROWCOUNT => n))', () => {
  it('makes n rows, numbered from 0 by SEQ4(), with UNIFORM values in range', async () => {
    // https://docs.snowflake.com/en/sql-reference/functions/generator and .../seq1: SEQ4() starts at 0;
    // https://docs.snowflake.com/en/sql-reference/functions/uniform: integer bounds give integers in [min, max].
    const rows = await c.rows(
      'select seq4() as s, uniform(1, 10, random()) as u, uniform(0::float, 1::float, random()) as f from table(generator(rowcount => 50)) order by s',
    );
    expect(rows.map((r) => r.S)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const r of rows) {
      expect(Number.isInteger(r.U)).toBe(true);
      expect(r.U).toBeGreaterThanOrEqual(1);
      expect(r.U).toBeLessThanOrEqual(10);
      expect(r.F).toBeGreaterThanOrEqual(0);
      expect(r.F).toBeLessThan(1);
    }
    // The same generator value gives the same number.
    expect(await c.rows('select uniform(1, 1000, 42) as a, uniform(1, 1000, 42) as b')).toEqual([
      { A: expect.any(Number), B: (await c.rows('select uniform(1, 1000, 42) as b'))[0]?.B },
    ]);
  });
});
