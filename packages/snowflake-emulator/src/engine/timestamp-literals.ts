/**
 * Timestamp strings in the forms Snowflake's AUTO input format takes
 * (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-formats
 * and .../date-time-input-output#supported-formats-for-auto-detection):
 * a date, `T` or a space, a time with up to nine fractional digits, and an
 * optional offset written `Z`, `+hh:mi`, `+hhmi` or `+hh`, with or without a
 * space before it. DuckDB reads only `+hh:mi` (or `Z`) glued to the time, so
 * such literals are rewritten to that form before DuckDB sees them. How the
 * offset is used is left to the target type: DuckDB, like Snowflake, drops it
 * for TIMESTAMP_NTZ and converts to the instant for TIMESTAMP_LTZ / _TZ.
 */
const TIMESTAMP_WITH_OFFSET =
  /^\s*(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)\s*$/i;

export function normalizeTimestampLiteral(text: string): string {
  const m = TIMESTAMP_WITH_OFFSET.exec(text);
  if (!m) return text;
  const [, date, time, offset] = m as unknown as [string, string, string, string];
  if (offset.toUpperCase() === 'Z') return `${date} ${time}+00:00`;
  const digits = offset.slice(1).replace(':', '');
  const hours = digits.slice(0, 2);
  const minutes = digits.slice(2) || '00';
  return `${date} ${time}${offset[0]}${hours}:${minutes}`;
}

const TIMESTAMP_TYPES = new Set([
  'TIMESTAMP',
  'TIMESTAMP_NTZ',
  'TIMESTAMP_LTZ',
  'TIMESTAMP_TZ',
  'TIMESTAMPNTZ',
  'TIMESTAMPLTZ',
  'TIMESTAMPTZ',
  'DATETIME',
]);

const TIMESTAMP_FUNCTIONS = new Set([
  'TO_TIMESTAMP',
  'TO_TIMESTAMP_NTZ',
  'TO_TIMESTAMP_LTZ',
  'TO_TIMESTAMP_TZ',
  'TRY_TO_TIMESTAMP',
  'TRY_TO_TIMESTAMP_NTZ',
  'TRY_TO_TIMESTAMP_LTZ',
  'TRY_TO_TIMESTAMP_TZ',
]);

export function isTimestampTypeName(upper: string | undefined): boolean {
  return upper !== undefined && TIMESTAMP_TYPES.has(upper);
}

export function isTimestampFunctionName(upper: string | undefined): boolean {
  return upper !== undefined && TIMESTAMP_FUNCTIONS.has(upper);
}
