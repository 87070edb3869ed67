import { describe, expect, it } from 'vitest';
import { RequestError } from '../errors.js';
import { backfillDates } from './backfill-values.js';

function refusal(from: string, to: string, step: string): RequestError {
  try {
    backfillDates(from, to, step);
  } catch (error) {
    if (error instanceof RequestError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('backfill dates', () => {
  it('runs from `from` to `to` inclusive, every step, across month and leap-day ends', () => {
    expect(backfillDates('2024-02-27', '2024-03-02', '1d')).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
      '2024-03-02',
    ]);
    expect(backfillDates('2024-01-01', '2024-01-20', '7d')).toEqual(['2024-01-01', '2024-01-08', '2024-01-15']);
    expect(backfillDates('2024-06-01', '2024-06-01', '1d')).toEqual(['2024-06-01']);
  });

  it('refuses bad input with a 400 naming the field', () => {
    expect(refusal('2024-02-30', '2024-03-01', '1d')).toMatchObject({ httpStatus: 400, details: { field: 'from' } });
    expect(refusal('2024-06-01', 'June 2', '1d')).toMatchObject({ details: { field: 'to' } });
    expect(refusal('2024-06-02', '2024-06-01', '1d')).toMatchObject({ details: { field: 'to' } });
    expect(refusal('2024-06-01', '2024-06-09', '0d')).toMatchObject({ details: { field: 'step' } });
    expect(refusal('2024-06-01', '2024-06-09', '1h')).toMatchObject({ details: { field: 'step' } });
    expect(refusal('2000-01-01', '2024-01-01', '1d')).toMatchObject({ details: { field: 'to', max: 1000 } });
  });
});
