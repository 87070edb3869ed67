import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database types_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('JSON row-set encodings, decoded by the real driver', () => {
  it('decodes every type', async () => {
    await c.rows(`create table all_types (
      i int, n number(10,2), f float, s varchar(20), b boolean, d date, tm time,
      ntz timestamp_ntz, ltz timestamp_ltz, tz timestamp_tz, v variant, o object, a array, bin binary, nul varchar)`);
    await c.rows(`insert into all_types select 42, 123.45, 1.5, 'hello', true, '2022-01-08', '01:02:03',
      '2023-11-14 22:13:20.123', '2023-11-14 22:13:20.123+00:00', '2023-11-14 22:13:20.123+00:00',
      parse_json('{"a":1,"b":[1,2]}'), parse_json('{"k":"v"}'), parse_json('[1,"x"]'), to_binary('48656C6C6F'), null`);
    const result = await c.execute('select * from all_types');
    const row = result.rows[0] ?? {};
    expect(row.I).toBe(42);
    expect(row.N).toBe(123.45);
    expect(row.F).toBe(1.5);
    expect(row.S).toBe('hello');
    expect(row.B).toBe(true);
    expect((row.D as Date).toISOString()).toBe('2022-01-08T00:00:00.000Z');
    expect(row.TM).toBe('01:02:03');
    expect((row.NTZ as Date).toISOString()).toBe('2023-11-14T22:13:20.123Z');
    expect((row.LTZ as Date).toISOString()).toBe('2023-11-14T22:13:20.123Z');
    expect((row.TZ as Date).toISOString()).toBe('2023-11-14T22:13:20.123Z');
    expect(row.V).toEqual({ a: 1, b: [1, 2] });
    expect(row.O).toEqual({ k: 'v' });
    expect(row.A).toEqual([1, 'x']);
    expect(Buffer.from(row.BIN as Uint8Array).toString()).toBe('Hello');
    expect(row.NUL).toBeNull();
    const types = Object.fromEntries(result.columns.map((col) => [col.name, col.type]));
    expect(types).toEqual({
      I: 'fixed',
      N: 'fixed',
      F: 'real',
      S: 'text',
      B: 'boolean',
      D: 'date',
      TM: 'time',
      NTZ: 'timestamp_ntz',
      LTZ: 'timestamp_ltz',
      TZ: 'timestamp_tz',
      V: 'variant',
      O: 'object',
      A: 'array',
      BIN: 'binary',
      NUL: 'text',
    });
    expect(result.columns.find((col) => col.name === 'N')?.scale).toBe(2);
  });

  it('formats values with the echoed session parameters (fetchAsString)', async () => {
    const { rows } = await c.execute(
      "select 123.45::number(10,2) as n, '2022-01-08'::date as d, '2023-11-14 22:13:20.123'::timestamp_ntz as t, true as b",
      undefined,
      { fetchAsString: ['Number', 'Date', 'Boolean'] },
    );
    expect(rows[0]).toEqual({ N: '123.45', D: '2022-01-08', T: '2023-11-14 22:13:20.123', B: 'TRUE' });
  });

  it('binds every driver bind type, positional and numbered', async () => {
    const { rows } = await c.execute('select ? as a, ? as b, ? as c, ? as d, ? as e, :1 as again', [
      7,
      'two',
      true,
      2.5,
      null,
    ]);
    expect(rows[0]).toEqual({ A: 7, B: 'two', C: true, D: 2.5, E: null, AGAIN: 7 });
  });

  it('binds values containing quotes, question marks and semicolons safely', async () => {
    const tricky = "it's; a ? 'test' \\ done";
    const { rows } = await c.execute('select ? as s', [tricky]);
    expect(rows[0]).toEqual({ S: tricky });
  });

  it('runs array binds once per row and reports the inserted count', async () => {
    await c.rows('create table bound (id int, name varchar)');
    const result = await c.execute('insert into bound values (?, ?)', [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(result.rows).toEqual([{ 'number of rows inserted': 3 }]);
    expect(result.numUpdatedRows).toBe(3);
    expect(await c.rows('select count(*) as n from bound where id > ?', [1])).toEqual([{ N: 2 }]);
  });
});
