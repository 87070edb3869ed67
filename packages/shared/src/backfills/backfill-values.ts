import { RequestError } from '../errors.js';

/** The most values one backfill may hold: a larger range is several backfills, each reviewable. */
export const MAX_BACKFILL_VALUES = 1_000;

/** `Nd`: every N days (1 to 366). */
const STEP = /^([1-9][0-9]{0,2})d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The dates of a backfill, from `from` to `to` inclusive, every `step` (e.g. `1d`, `7d`), as YYYY-MM-DD.
 * Bad input is a 400 naming the field.
 */
export function backfillDates(from: string, to: string, step: string): string[] {
  const start = parseDate(from, 'from');
  const end = parseDate(to, 'to');
  const match = STEP.exec(step);
  const days = match ? Number(match[1]) : 0;
  if (!match || days > 366) {
    throw new RequestError(
      'INVALID_BACKFILL',
      400,
      `step must be a number of days like "1d" or "7d" (at most 366d); got "${step}".`,
      {
        details: { field: 'step' },
      },
    );
  }
  if (end < start) {
    throw new RequestError('INVALID_BACKFILL', 400, `"to" (${to}) is before "from" (${from}).`, {
      details: { field: 'to' },
    });
  }
  const count = Math.floor((end - start) / (days * 86_400_000)) + 1;
  if (count > MAX_BACKFILL_VALUES) {
    throw new RequestError(
      'INVALID_BACKFILL',
      400,
      `This backfill would create ${count} syncs; at most ${MAX_BACKFILL_VALUES} at once (split the range).`,
      { details: { field: 'to', values: count, max: MAX_BACKFILL_VALUES } },
    );
  }
  return Array.from({ length: count }, (_, i) => new Date(start + i * days * 86_400_000).toISOString().slice(0, 10));
}

/** A real calendar date as UTC midnight in ms; 2024-02-30 is refused, not rolled over. */
function parseDate(text: string, field: string): number {
  const match = DATE.exec(text);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new RequestError('INVALID_BACKFILL', 400, `"${field}" must be a date as YYYY-MM-DD; got "${text}".`, {
      details: { field },
    });
  }
  return ms;
}
