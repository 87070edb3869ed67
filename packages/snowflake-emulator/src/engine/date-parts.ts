import { sqlErrors } from '../errors.js';
import { TIMESTAMP_TZ_DUCK, TZ_OFFSET_FIELD, TZ_UTC_FIELD } from './timestamp-tz.js';

/**
 * The date and time parts DATEADD / DATEDIFF accept, with the aliases
 * Snowflake lists under "Supported date and time parts"
 * (https://docs.snowflake.com/en/sql-reference/functions-date-time#label-supported-date-time-parts).
 */
export type DatePart =
  | 'year'
  | 'quarter'
  | 'month'
  | 'week'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'millisecond'
  | 'microsecond'
  | 'nanosecond';

const ALIASES: Record<DatePart, readonly string[]> = {
  year: ['YEAR', 'Y', 'YY', 'YYY', 'YYYY', 'YR', 'YEARS', 'YRS'],
  quarter: ['QUARTER', 'Q', 'QTR', 'QTRS', 'QUARTERS'],
  month: ['MONTH', 'MM', 'MON', 'MONS', 'MONTHS'],
  week: ['WEEK', 'W', 'WK', 'WEEKOFYEAR', 'WOY', 'WY'],
  day: ['DAY', 'D', 'DD', 'DAYS', 'DAYOFMONTH'],
  hour: ['HOUR', 'H', 'HH', 'HR', 'HOURS', 'HRS'],
  minute: ['MINUTE', 'M', 'MI', 'MIN', 'MINUTES', 'MINS'],
  second: ['SECOND', 'S', 'SEC', 'SECONDS', 'SECS'],
  millisecond: ['MILLISECOND', 'MS', 'MSEC', 'MILLISECONDS'],
  microsecond: ['MICROSECOND', 'US', 'USEC', 'MICROSECONDS'],
  nanosecond: ['NANOSECOND', 'NS', 'NSEC', 'NANOSEC', 'NSECOND', 'NANOSECONDS', 'NANOSECS', 'NSECONDS'],
};

const BY_ALIAS = new Map<string, DatePart>(
  Object.entries(ALIASES).flatMap(([part, names]) => names.map((n) => [n, part as DatePart] as const)),
);

/** The date part a DATEADD/DATEDIFF first argument names (a bare word or a string, any case). */
export function datePartNamed(name: string): DatePart {
  const part = BY_ALIAS.get(name.toUpperCase());
  if (!part) throw sqlErrors.syntax(`Invalid date/time part '${name}' for function.`);
  return part;
}

/** Parts that keep a DATE a DATE under DATEADD (the others turn it into a TIMESTAMP_NTZ). */
const DATE_PARTS = new Set<DatePart>(['year', 'quarter', 'month', 'week', 'day']);

/** The DuckDB interval of `n` units of a part (nanoseconds are rounded to DuckDB's microseconds). */
function interval(part: DatePart, n: string): string {
  const count = `CAST(${n} AS BIGINT)`;
  switch (part) {
    case 'quarter':
      return `to_months(3 * ${count})`;
    case 'week':
      return `to_days(7 * ${count})`;
    case 'nanosecond':
      return `to_microseconds(CAST(${n} AS BIGINT) // 1000)`;
    default:
      return `to_${part}s(${count})`;
  }
}

/**
 * DuckDB macros `sf_dateadd_<part>(n, x)` and `sf_datediff_<part>(a, b)`.
 * DATEADD keeps a DATE a DATE for date parts and clamps month ends
 * (DATEADD(month, 1, '2024-01-31') is 2024-02-29); DuckDB's interval
 * arithmetic clamps the same way but always yields a TIMESTAMP, hence the
 * cast back to the argument's type. DATEDIFF counts the part boundaries
 * crossed (DATEDIFF(year, '2023-12-31', '2024-01-01') is 1), which DuckDB's
 * date_diff does too, except for weeks, so weeks are counted between the
 * Mondays that start them (WEEK_START = 0 behaves as Monday-first).
 */
export const DATE_PART_MACROS: Record<string, string> = Object.fromEntries(
  (Object.keys(ALIASES) as DatePart[]).flatMap((part) => [
    [
      `sf_dateadd_${part}`,
      DATE_PARTS.has(part)
        ? `(n, x) AS cast_to_type(x + ${interval(part, 'n')}, x)`
        : `(n, x) AS x + ${interval(part, 'n')}`,
    ],
    [`sf_datediff_${part}`, `(a, b) AS ${difference(part)}`],
  ]),
);

/**
 * DATEADD on a TIMESTAMP_TZ: "all operations are performed with the time zone
 * offset specific to each record"
 * (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz),
 * so the part is added to the value's own wall clock and the result keeps its
 * offset. The translator picks these macros when it can see the operand is a
 * TIMESTAMP_TZ (a column of that type, a cast or TO_TIMESTAMP_TZ).
 */
export const TIMESTAMP_TZ_DATE_PART_MACROS: Record<string, string> = Object.fromEntries(
  (Object.keys(ALIASES) as DatePart[]).map((part) => [
    `sf_tz_dateadd_${part}`,
    `(n, x) AS CASE WHEN x IS NULL THEN NULL ELSE CAST(struct_pack(
      ${TZ_UTC_FIELD} := timezone('UTC', sf_dateadd_${part}(n,
        timezone('UTC', struct_extract(x, '${TZ_UTC_FIELD}')) + to_minutes(CAST(struct_extract(x, '${TZ_OFFSET_FIELD}') AS BIGINT)))
        - to_minutes(CAST(struct_extract(x, '${TZ_OFFSET_FIELD}') AS BIGINT))),
      ${TZ_OFFSET_FIELD} := struct_extract(x, '${TZ_OFFSET_FIELD}')) AS ${TIMESTAMP_TZ_DUCK}) END`,
  ]),
);

function difference(part: DatePart): string {
  switch (part) {
    case 'week':
      return `date_diff('day', date_trunc('week', a), date_trunc('week', b)) // 7`;
    case 'nanosecond':
      return `date_diff('microsecond', a, b) * 1000`;
    default:
      return `date_diff('${part}', a, b)`;
  }
}

/** The macro a call to DATEADD/TIMESTAMPADD or DATEDIFF/TIMESTAMPDIFF with a part becomes. */
export function datePartMacro(fn: 'add' | 'diff', part: DatePart): string {
  return `sf_date${fn}_${part}`;
}

export const DATE_PART_FUNCTIONS: Readonly<Record<string, 'add' | 'diff'>> = {
  DATEADD: 'add',
  TIMESTAMPADD: 'add',
  DATEDIFF: 'diff',
  TIMESTAMPDIFF: 'diff',
};
