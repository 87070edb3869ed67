import { sqlErrors } from '../errors.js';

/**
 * Snowflake date/time format elements for output (TO_CHAR / TO_VARCHAR),
 * as the SQL reference lists them
 * (https://docs.snowflake.com/en/sql-reference/date-time-input-output#about-the-elements-used-in-input-and-output-formats),
 * mapped onto DuckDB strftime directives. Longest elements first, so `MMMM`
 * wins over `MM` and `HH24` over `HH`. Elements are matched case-insensitively
 * (`'mon dd, yyyy'` is a valid format, as in the TO_CHAR docs' examples).
 */
const ELEMENTS: readonly (readonly [string, string])[] = [
  ['MMMM', '%B'],
  ['YYYY', '%Y'],
  ['HH24', '%H'],
  ['HH12', '%I'],
  ['FF9', '%f000'],
  ['FF6', '%f'],
  ['FF3', '%g'],
  ['FF0', ''],
  ['MON', '%b'],
  ['DY', '%a'],
  ['YY', '%y'],
  ['MM', '%m'],
  ['DD', '%d'],
  ['HH', '%H'],
  ['MI', '%M'],
  ['SS', '%S'],
  ['AM', '%p'],
  ['PM', '%p'],
  // FF without digits prints all nine; DuckDB keeps microseconds, so the last three are zeros.
  ['FF', '%f000'],
];

/** Elements Snowflake knows that the emulator does not print (yet); they fail clearly instead of printing wrong text. */
const UNSUPPORTED = ['TZH', 'TZM', 'TZHTZM', 'UUUU', 'FF1', 'FF2', 'FF4', 'FF5', 'FF7', 'FF8'];

/**
 * Compiles a Snowflake date/time output format into a DuckDB strftime
 * format. Double-quoted text is copied as is (`"T"`), as is any other
 * character that is not an element.
 */
export function strftimeFormat(format: string): string {
  let out = '';
  let i = 0;
  outer: while (i < format.length) {
    const ch = format[i] as string;
    if (ch === '"') {
      const end = format.indexOf('"', i + 1);
      if (end < 0) throw badFormat(format);
      out += escape(format.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    const rest = format.slice(i).toUpperCase();
    for (const name of UNSUPPORTED)
      if (rest.startsWith(name)) throw sqlErrors.unsupported(`Format element '${name}' in TO_CHAR`);
    for (const [name, directive] of ELEMENTS) {
      if (rest.startsWith(name)) {
        out += directive;
        i += name.length;
        continue outer;
      }
    }
    out += escape(ch);
    i++;
  }
  return out;
}

/** Whether a format looks like a date/time format rather than a numeric one (`'999.99'`, `'$9,990'`). */
export function isNumericFormat(format: string): boolean {
  return /^[\s$90.,SMIDGBLEXTV+-]*$/i.test(format) && /[90]/.test(format);
}

function escape(text: string): string {
  return text.replace(/%/g, '%%');
}

function badFormat(format: string): Error {
  return sqlErrors.invalidValue(`Can't parse '${format}' as date/time format`);
}
