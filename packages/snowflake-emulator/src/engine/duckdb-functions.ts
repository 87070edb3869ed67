import type { DuckDBConnection } from '@duckdb/node-api';
import { DATE_TIME_MACROS } from './date-time-input.js';
import { TIMESTAMP_TZ_MACROS } from './timestamp-tz.js';
import { DATE_PART_MACROS, TIMESTAMP_TZ_DATE_PART_MACROS } from './date-parts.js';
import { DECIMAL_DIVISION_MACROS } from './numeric-division.js';

/**
 * Snowflake functions DuckDB lacks or names differently. Each is a DuckDB
 * macro named `sf_<name>` (so none shadows a DuckDB built-in), and the
 * query translator renames calls to them.
 */
const MACROS: Record<string, string> = {
  sf_iff: '(c, a, b) AS CASE WHEN c THEN a ELSE b END',
  sf_nvl: '(a, b) AS coalesce(a, b)',
  sf_nvl2: '(a, b, c) AS CASE WHEN a IS NOT NULL THEN b ELSE c END',
  sf_zeroifnull: '(a) AS coalesce(a, 0)',
  sf_nullifzero: '(a) AS nullif(a, 0)',
  sf_to_varchar: '(a) AS CAST(a AS VARCHAR)',
  sf_to_number: '(a) AS CAST(a AS DECIMAL(38,0))',
  sf_to_double: '(a) AS CAST(a AS DOUBLE)',
  sf_to_boolean: '(a) AS CAST(a AS BOOLEAN)',
  sf_to_date: '(a) AS CAST(a AS DATE)',
  ...TIMESTAMP_TZ_MACROS,
  ...DATE_TIME_MACROS,
  ...DATE_PART_MACROS,
  ...TIMESTAMP_TZ_DATE_PART_MACROS,
  ...DECIMAL_DIVISION_MACROS,
  // RANDOM() is a 64-bit integer in Snowflake; UNIFORM maps any generator value onto [min, max],
  // the same value for the same generator value (https://docs.snowflake.com/en/sql-reference/functions/uniform).
  sf_random: '() AS CAST(floor((random() * 2 - 1) * 9223372036854775807) AS BIGINT)',
  sf_random_seeded: '(seed, n) AS CAST(CAST(hash(seed, n) AS HUGEINT) - 9223372036854775808 AS BIGINT)',
  sf_uniform_integer: '(lo, hi, gen) AS CAST(lo AS BIGINT) + CAST(hash(gen) % CAST(hi - lo + 1 AS UBIGINT) AS BIGINT)',
  sf_uniform_float: '(lo, hi, gen) AS CAST(lo AS DOUBLE) + (hash(gen) / 18446744073709551616.0) * (hi - lo)',
  sf_nonzero: "(x) AS CASE WHEN x = 0 THEN sf_raise('100051', '22012', 'Division by zero') ELSE x END",
  sf_div0: '(a, b) AS CASE WHEN b = 0 THEN 0 ELSE a / b END',
  sf_div0null: '(a, b) AS CASE WHEN b = 0 OR b IS NULL THEN 0 ELSE a / b END',
  sf_to_timestamp_ntz: '(a) AS sf_ntz_from_text(CAST(a AS VARCHAR))',
  sf_to_timestamp_ltz: '(a) AS sf_ltz_from_text(CAST(a AS VARCHAR))',
  sf_to_timestamp_tz: '(a) AS sf_tz_from_text(CAST(a AS VARCHAR))',
  sf_sysdate: "() AS CAST(timezone('UTC', now()) AS TIMESTAMP)",
  sf_uuid_string: '() AS CAST(uuid() AS VARCHAR)',
  sf_to_binary:
    "(a, f := 'HEX') AS CASE upper(f) WHEN 'HEX' THEN unhex(a) WHEN 'BASE64' THEN from_base64(a) ELSE encode(a) END",
  // TO_ARRAY keeps an array and wraps anything else in one (https://docs.snowflake.com/en/sql-reference/functions/to_array).
  sf_to_array:
    "(a) AS CASE WHEN a IS NULL THEN NULL WHEN json_type(to_json(a)) = 'ARRAY' THEN to_json(a) ELSE json_array(a) END",
  sf_try_to_number: '(a) AS TRY_CAST(a AS DECIMAL(38,0))',
  sf_try_to_date: '(a) AS TRY_CAST(a AS DATE)',
  sf_try_to_timestamp: '(a) AS TRY_CAST(a AS TIMESTAMP)',
};

/** Snowflake function name -> DuckDB function or macro to call instead. */
export const FUNCTION_RENAMES: Readonly<Record<string, string>> = {
  IFF: 'sf_iff',
  DIV0: 'sf_div0',
  DIV0NULL: 'sf_div0null',
  NVL: 'sf_nvl',
  NVL2: 'sf_nvl2',
  ZEROIFNULL: 'sf_zeroifnull',
  NULLIFZERO: 'sf_nullifzero',
  TO_VARCHAR: 'sf_to_varchar',
  TO_CHAR: 'sf_to_varchar',
  TO_NUMBER: 'sf_to_number',
  TO_DECIMAL: 'sf_to_number',
  TO_NUMERIC: 'sf_to_number',
  TO_DOUBLE: 'sf_to_double',
  TO_BOOLEAN: 'sf_to_boolean',
  TO_DATE: 'sf_to_date',
  DATE: 'sf_to_date',
  TO_TIMESTAMP: 'sf_to_timestamp_ntz',
  TO_TIMESTAMP_NTZ: 'sf_to_timestamp_ntz',
  TO_TIMESTAMP_LTZ: 'sf_to_timestamp_ltz',
  TO_TIMESTAMP_TZ: 'sf_to_timestamp_tz',
  SYSDATE: 'sf_sysdate',
  UUID_STRING: 'sf_uuid_string',
  TRY_TO_NUMBER: 'sf_try_to_number',
  TRY_TO_DECIMAL: 'sf_try_to_number',
  TRY_TO_DATE: 'sf_try_to_date',
  TRY_TO_TIMESTAMP: 'sf_try_to_timestamp',
  PARSE_JSON: 'json',
  TO_BINARY: 'sf_to_binary',
  TO_VARIANT: 'to_json',
  TO_OBJECT: 'json',
  TO_ARRAY: 'sf_to_array',
  OBJECT_CONSTRUCT: 'json_object',
  ARRAY_CONSTRUCT: 'json_array',
  ARRAY_SIZE: 'json_array_length',
  CURRENT_TIMESTAMP: 'now',
  LOCALTIMESTAMP: 'now',
  GETDATE: 'now',
  SYSTIMESTAMP: 'now',
  LEN: 'length',
  RANDOM: 'sf_random',
};

export async function installSnowflakeFunctions(connection: DuckDBConnection): Promise<void> {
  for (const [name, body] of Object.entries(MACROS)) await connection.run(`CREATE OR REPLACE MACRO ${name}${body}`);
}
