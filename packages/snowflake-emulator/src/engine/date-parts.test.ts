import { describe, expect, it } from 'vitest';
import { DATE_PART_MACROS, datePartNamed } from './date-parts.js';

// Aliases from https://docs.snowflake.com/en/sql-reference/functions-date-time#label-supported-date-time-parts.
describe('datePartNamed', () => {
  it('reads every documented alias in any case', () => {
    expect(['yyyy', 'YRS', 'y'].map(datePartNamed)).toEqual(['year', 'year', 'year']);
    expect(['mm', 'Mon', 'MONTHS'].map(datePartNamed)).toEqual(['month', 'month', 'month']);
    expect(['m', 'mi', 'mins'].map(datePartNamed)).toEqual(['minute', 'minute', 'minute']);
    expect(['wk', 'woy', 'qtr', 'dayofmonth', 'nsec'].map(datePartNamed)).toEqual([
      'week',
      'week',
      'quarter',
      'day',
      'nanosecond',
    ]);
  });

  it('refuses an unknown part with a compilation error', () => {
    expect(() => datePartNamed('fortnight')).toThrow(/Invalid date\/time part 'fortnight'/);
  });

  it('has an add and a diff macro for each part', () => {
    expect(Object.keys(DATE_PART_MACROS)).toHaveLength(22);
    expect(DATE_PART_MACROS.sf_dateadd_month).toContain('cast_to_type');
    expect(DATE_PART_MACROS.sf_dateadd_hour).not.toContain('cast_to_type');
  });
});
