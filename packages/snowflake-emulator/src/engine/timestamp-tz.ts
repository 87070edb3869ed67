/**
 * TIMESTAMP_TZ keeps an offset per value: Snowflake "internally stores UTC
 * values together with an associated time zone offset. When a time zone is
 * not provided, the session time zone offset is used"
 * (https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz).
 * DuckDB's TIMESTAMPTZ holds only the instant, so a TIMESTAMP_TZ value is a
 * DuckDB struct of the instant and the offset in minutes. The struct's field
 * names are what marks a result column as TIMESTAMP_TZ.
 *
 * DuckDB cannot cast such a struct to a timestamp, and the query translator
 * does not know an operand's type, so casts to any timestamp type go through
 * text: DuckDB prints a struct as `{'sf_tz_utc': …, 'sf_tz_offset': 60}`, a
 * TIMESTAMPTZ with its session offset, a TIMESTAMP without one; the macros
 * below read all three. That gives Snowflake's conversions:
 * - TZ -> LTZ keeps the instant; TZ -> NTZ keeps the wall clock of the
 *   value's own offset (the offset is dropped);
 * - LTZ -> TZ takes the session zone's offset at that instant;
 * - NTZ -> TZ (and a string without offset) reads the wall clock in the
 *   session zone and keeps that zone's offset.
 */
export const TZ_UTC_FIELD = 'sf_tz_utc';
export const TZ_OFFSET_FIELD = 'sf_tz_offset';
export const TIMESTAMP_TZ_DUCK = `STRUCT(${TZ_UTC_FIELD} TIMESTAMPTZ, ${TZ_OFFSET_FIELD} SMALLINT)`;

/** The DuckDB macros casting text (of any timestamp-like value) to each timestamp type. */
export const TIMESTAMP_TZ_MACROS: Record<string, string> = {
  // Snowflake's offset spellings (`Z`, `+hhmi`, `+hh`, with or without a space,
  // a `T` between date and time) rewritten to the `+hh:mi` DuckDB reads.
  sf_ts_norm: `(s) AS regexp_replace(regexp_replace(regexp_replace(regexp_replace(trim(s),
      '^(\\d{4}-\\d{1,2}-\\d{1,2})[Tt]', '\\1 '),
      '(\\d)\\s*[zZ]$', '\\1+00:00'),
      '(:\\d{2}(?:\\.\\d+)?)\\s*([+-]\\d{2}):?(\\d{2})$', '\\1\\2:\\3'),
      '(:\\d{2}(?:\\.\\d+)?)\\s*([+-]\\d{2})$', '\\1\\2:00')`,
  sf_ts_text_offset: `(n) AS CASE WHEN regexp_matches(n, '[0-9][+-]\\d{2}:\\d{2}$')
      THEN (CASE WHEN substr(n, -6, 1) = '-' THEN -1 ELSE 1 END)
        * (CAST(substr(n, -5, 2) AS INTEGER) * 60 + CAST(substr(n, -2, 2) AS INTEGER)) END`,
  // The session zone's offset at an instant: its wall clock there minus UTC.
  sf_session_offset: `(t) AS CAST(round((epoch(CAST(t AS TIMESTAMP)) - epoch(t)) / 60) AS SMALLINT)`,
  sf_tz_of_instant: `(t) AS CASE WHEN t IS NULL THEN NULL ELSE
      CAST(struct_pack(${TZ_UTC_FIELD} := t, ${TZ_OFFSET_FIELD} := sf_session_offset(t)) AS ${TIMESTAMP_TZ_DUCK}) END`,
  sf_tz_from_norm: `(n) AS CAST(struct_pack(${TZ_UTC_FIELD} := CAST(n AS TIMESTAMPTZ),
      ${TZ_OFFSET_FIELD} := coalesce(sf_ts_text_offset(n), sf_session_offset(CAST(n AS TIMESTAMPTZ)))) AS ${TIMESTAMP_TZ_DUCK})`,
  sf_tz_from_text: `(s) AS CASE WHEN s IS NULL THEN NULL
      WHEN starts_with(s, '{') THEN CAST(s AS ${TIMESTAMP_TZ_DUCK})
      ELSE sf_tz_from_norm(sf_ts_norm(s)) END`,
  sf_ltz_from_text: `(s) AS CASE WHEN starts_with(s, '{')
      THEN struct_extract(CAST(s AS ${TIMESTAMP_TZ_DUCK}), '${TZ_UTC_FIELD}')
      ELSE CAST(sf_ts_norm(s) AS TIMESTAMPTZ) END`,
  sf_ntz_from_text: `(s) AS CASE WHEN starts_with(s, '{')
      THEN timezone('UTC', CAST(struct_extract(CAST(s AS ${TIMESTAMP_TZ_DUCK}), '${TZ_UTC_FIELD}') AS TIMESTAMPTZ))
        + to_minutes(CAST(struct_extract(CAST(s AS ${TIMESTAMP_TZ_DUCK}), '${TZ_OFFSET_FIELD}') AS BIGINT))
      ELSE CAST(sf_ts_norm(s) AS TIMESTAMP) END`,
};

export type TimestampKind = 'timestamp_ntz' | 'timestamp_ltz' | 'timestamp_tz';

const FROM_TEXT: Record<TimestampKind, string> = {
  timestamp_ntz: 'sf_ntz_from_text',
  timestamp_ltz: 'sf_ltz_from_text',
  timestamp_tz: 'sf_tz_from_text',
};

export function timestampConversionFunction(kind: TimestampKind): string {
  return FROM_TEXT[kind];
}

/** DuckDB SQL converting any timestamp-like expression (or text) to a Snowflake timestamp type. */
export function timestampConversion(kind: TimestampKind, expression: string): string {
  return `${FROM_TEXT[kind]}(CAST(${expression} AS VARCHAR))`;
}

/** The parts of a TIMESTAMP_TZ value as DuckDB returns it, or undefined for any other value. */
export function timestampTzParts(value: unknown): { utc: unknown; offsetMinutes: number } | undefined {
  if (value === null || typeof value !== 'object' || !('entries' in value)) return undefined;
  const entries = (value as { entries: Record<string, unknown> }).entries;
  if (!(TZ_UTC_FIELD in entries)) return undefined;
  return { utc: entries[TZ_UTC_FIELD], offsetMinutes: Number(entries[TZ_OFFSET_FIELD] ?? 0) };
}
