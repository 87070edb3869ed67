import { sqlErrors } from '../errors.js';
import { duckString } from './sql-lexer.js';

/**
 * DATE and TIME input as Snowflake reads it
 * (https://docs.snowflake.com/en/sql-reference/date-time-input-output):
 * DATE_INPUT_FORMAT / TIME_INPUT_FORMAT default to AUTO, which accepts the
 * formats listed under "Supported formats for AUTO detection" (DATE:
 * `YYYY-MM-DD`, `DD-MON-YYYY`, `MM/DD/YYYY`, and any accepted timestamp,
 * its time dropped; TIME: `HH24:MI:SS[.FF]`, `HH24:MI`, `HH12:MI[:SS[.FF]] AM`);
 * anything else is refused ("If no matching format is found, Snowflake
 * returns an error": 100040 Date '…' is not recognized, 100108 Time '…' is
 * not recognized). A format set in the session, or passed to TO_DATE /
 * TO_TIME, replaces AUTO and is the only one accepted.
 *
 * Values reach the macros as text (any type is cast to VARCHAR first, as for
 * timestamps in timestamp-tz.ts), with the strptime patterns to try.
 */
export const DATE_TIME_MACROS: Record<string, string> = {
  // A DuckDB error() carrying Snowflake's code, state and message (see duckdb-errors.ts).
  sf_raise: `(code, state, message) AS error('sf:' || code || ':' || state || ':' || message)`,
  sf_date_in: `(s, formats, auto, strict) AS CASE WHEN s IS NULL THEN NULL
      WHEN starts_with(s, '{') THEN CAST(sf_ntz_from_text(s) AS DATE)
      WHEN try_strptime(trim(s), formats) IS NOT NULL THEN CAST(try_strptime(trim(s), formats) AS DATE)
      WHEN auto AND TRY_CAST(sf_ts_norm(s) AS TIMESTAMP) IS NOT NULL THEN CAST(TRY_CAST(sf_ts_norm(s) AS TIMESTAMP) AS DATE)
      WHEN strict THEN sf_raise('100040', '22007', 'Date ''' || s || ''' is not recognized') END`,
  sf_time_in: `(s, formats, auto, strict) AS CASE WHEN s IS NULL THEN NULL
      WHEN starts_with(s, '{') THEN CAST(sf_ntz_from_text(s) AS TIME)
      WHEN try_strptime(trim(s), formats) IS NOT NULL THEN CAST(try_strptime(trim(s), formats) AS TIME)
      WHEN auto AND TRY_CAST(sf_ts_norm(s) AS TIMESTAMP) IS NOT NULL
        AND regexp_matches(s, '\\d:\\d') THEN CAST(TRY_CAST(sf_ts_norm(s) AS TIMESTAMP) AS TIME)
      WHEN strict THEN sf_raise('100108', '22007', 'Time ''' || s || ''' is not recognized') END`,
  // Timestamp text read by a TIMESTAMP_INPUT_FORMAT other than AUTO, handed on as ISO text. A timestamp
  // value reaches here as the ISO text DuckDB prints, which is therefore accepted too (see README).
  sf_ts_try_in: `(s, format) AS CASE WHEN s IS NULL THEN NULL
      WHEN starts_with(s, '{') THEN s
      WHEN try_strptime(trim(s), format) IS NOT NULL THEN CAST(try_strptime(trim(s), format) AS VARCHAR)
      WHEN regexp_full_match(s, '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([+-]\\d{2}(:\\d{2})?)?') THEN s END`,
  // Separate from the TRY_ form: DuckDB's TRY() refuses an expression that holds error().
  sf_ts_in: `(s, format) AS CASE WHEN s IS NOT NULL AND sf_ts_try_in(s, format) IS NULL
      THEN sf_raise('100035', '22007', 'Timestamp ''' || s || ''' is not recognized') ELSE sf_ts_try_in(s, format) END`,
};

const AUTO_DATE = ['%Y-%m-%d', '%d-%b-%Y', '%m/%d/%Y'];
const AUTO_TIME = ['%H:%M:%S', '%H:%M:%S.%f', '%H:%M', '%I:%M:%S %p', '%I:%M:%S.%f %p', '%I:%M %p'];

/** Snowflake format elements and their strptime patterns, longest first. */
const ELEMENTS: [string, string][] = [
  ['YYYY', '%Y'],
  ['MMMM', '%B'],
  ['HH24', '%H'],
  ['HH12', '%I'],
  ['TZH:TZM', '%z'],
  ['TZHTZM', '%z'],
  ['MON', '%b'],
  ['FF9', '%n'],
  ['FF6', '%f'],
  ['FF3', '%g'],
  ['YY', '%y'],
  ['MM', '%m'],
  ['DD', '%d'],
  ['DY', '%a'],
  ['HH', '%H'],
  ['MI', '%M'],
  ['SS', '%S'],
  ['FF', '%n'],
  ['AM', '%p'],
  ['PM', '%p'],
];

/** A Snowflake date/time format (`DD/MM/YYYY HH24:MI`) as a DuckDB strptime pattern. */
export function strptimePattern(format: string): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    if (format[i] === '"') {
      const end = format.indexOf('"', i + 1);
      const literal = end < 0 ? format.slice(i + 1) : format.slice(i + 1, end);
      out += literal.replace(/%/g, '%%');
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    const rest = format.slice(i).toUpperCase();
    const element = ELEMENTS.find(([name]) => rest.startsWith(name));
    if (element) {
      out += element[1];
      i += element[0].length;
      continue;
    }
    const ch = format[i] as string;
    if (/[A-Za-z]/.test(ch)) throw sqlErrors.syntax(`Can't parse '${format}' as date/time format.`);
    out += ch === '%' ? '%%' : ch;
    i++;
  }
  return out;
}

export type DateTimeKind = 'date' | 'time';

/**
 * The arguments after the value for sf_date_in / sf_time_in: the strptime
 * patterns to try, whether AUTO's timestamp fallback applies, and whether
 * text no pattern reads fails (TRY_ forms answer NULL; DuckDB's TRY() cannot
 * wrap the error() that raises).
 */
export function dateTimeFormatArgs(kind: DateTimeKind, format: string, strict = true): string {
  const auto = format.toUpperCase() === 'AUTO';
  const patterns = auto ? (kind === 'date' ? AUTO_DATE : AUTO_TIME) : [strptimePattern(format)];
  return `[${patterns.map(duckString).join(', ')}], ${auto ? 'TRUE' : 'FALSE'}, ${strict ? 'TRUE' : 'FALSE'}`;
}
