import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/**
 * `/` on NUMBER through the unmodified driver: Snowflake keeps NUMBER and
 * sizes the result by "Scale and precision in arithmetic operations"
 * (https://docs.snowflake.com/en/sql-reference/operators-arithmetic#division):
 * L = L1 + S2, S = max(S1, min(S1 + 6, 12)), precision at most 38, and the
 * quotient is rounded, not truncated.
 */
let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database division_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

const asText = { fetchAsString: ['Number'] };

describe('NUMBER / NUMBER', () => {
  it('types literals by their digits: 1 / 100000000 is NUMBER(7,6)', async () => {
    // The documented example: 1 is NUMBER(1,0), 100000000 NUMBER(9,0), so the quotient is NUMBER(7,6) and rounds
    // to 0.000000 (same page; also why (1 / 100000000)::NUMBER(38,12) is 0).
    const result = await c.execute('select 1 / 100000000 as q, 10 / 4 as h, 2 / 3 as r', undefined, asText);
    expect(result.rows).toEqual([{ Q: '0.000000', H: '2.500000', R: '0.666667' }]);
    expect(result.columns.map(({ type, precision, scale }) => ({ type, precision, scale }))).toEqual([
      { type: 'fixed', precision: 7, scale: 6 },
      { type: 'fixed', precision: 8, scale: 6 },
      { type: 'fixed', precision: 7, scale: 6 },
    ]);
  });

  it('sizes column quotients from the declared types and caps precision at 38', async () => {
    await c.rows('create table division_db.public.amounts (total number(10,2), parts number(38,0), ratio float)');
    await c.rows('insert into division_db.public.amounts values (10.00, 3, 0.5), (-10.00, 3, 0.5)');
    const result = await c.execute(
      `select total / parts as per_part, parts / parts as one, total / 0.25 as quarters, total / ratio as f
       from division_db.public.amounts order by total desc`,
      undefined,
      asText,
    );
    // A FLOAT operand makes the quotient FLOAT (https://docs.snowflake.com/en/sql-reference/data-types-numeric).
    // total / parts: L = 8 + 0, S = max(2, min(8, 12)) = 8 -> NUMBER(16,8); parts / parts: L = 38, S = 6 -> capped
    // to NUMBER(38,6); total / 0.25: L = 8 + 2, S = 8 -> NUMBER(18,8). Half away from zero: -3.333333333 -> -3.33333333.
    expect(result.rows.map(({ F: _float, ...fixed }) => fixed)).toEqual([
      { PER_PART: '3.33333333', ONE: '1.000000', QUARTERS: '40.00000000' },
      { PER_PART: '-3.33333333', ONE: '1.000000', QUARTERS: '-40.00000000' },
    ]);
    expect(result.columns.map(({ type, precision, scale }) => ({ type, precision, scale }))).toEqual([
      { type: 'fixed', precision: 16, scale: 8 },
      { type: 'fixed', precision: 38, scale: 6 },
      { type: 'fixed', precision: 18, scale: 8 },
      { type: 'real', precision: null, scale: null },
    ]);
  });

  it('rounds rather than truncates, and chains left to right', async () => {
    // 2 / 3 = 0.666667 (rounded up); (2 / 3) / 7: the inner NUMBER(7,6) gives S = 12, L = 1.
    const result = await c.execute(
      'select 2 / 3 / 7 as chained, -2 / 3 as negative, 1.5::number(10,1) * 2 / 4 as product',
      undefined,
      asText,
    );
    expect(result.rows).toEqual([{ CHAINED: '0.095238142857', NEGATIVE: '-0.666667', PRODUCT: '0.7500000' }]);
    expect(result.columns.map(({ precision, scale }) => [precision, scale])).toEqual([
      [13, 12],
      [7, 6],
      [17, 7],
    ]);
  });

  it('still fails a division by zero with 100051', async () => {
    const err = await failureOf(c.execute('select 1.5 / 0 as q'));
    expect(err).toMatchObject({ code: '100051', message: 'Division by zero' });
  });
});
