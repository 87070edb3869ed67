import { SnowflakeError, sqlErrors } from '../errors.js';
import type { Catalog } from './catalog.js';

/** Replaces physical table names (`t_12`) in a DuckDB message with Snowflake names. */
function withSnowflakeNames(message: string, catalog: Catalog): string {
  return message.replace(/"?\bt_(\d+)\b"?/g, (match, id: string) => {
    const parts = catalog.qualifiedNameOfPhysical(`t_${id}`);
    return parts ? parts.join('.') : match;
  });
}

function numberOutOfRange(precision: string, scale: string, value?: string): SnowflakeError {
  const type = `FIXED[SB16](${precision},${scale})`;
  return new SnowflakeError(
    '100046',
    '22003',
    `Number out of representable range: type ${type}${value === undefined ? '' : `, value ${value}`}`,
  );
}

const stripKind = (message: string) => message.replace(/^[A-Za-z ]+Error: /, '');

/** DuckDB message patterns and the Snowflake error each stands for, first match wins. */
const RULES: [RegExp, (m: RegExpExecArray, message: string) => SnowflakeError][] = [
  // Raised by the emulator's own macros (sf_raise) with Snowflake's code, state and words.
  [/^Invalid Input Error: sf:(\d{6}):(\w{5}):(.*)$/, (m) => new SnowflakeError(m[1] ?? '', m[2] ?? '', m[3] ?? '')],
  [/^Parser Error: syntax error at or near "([^"]*)"/, (m) => sqlErrors.unexpected(m[1] ?? '', 0)],
  [/^Parser Error: syntax error at end of input/, () => sqlErrors.unexpected('<EOF>', 0)],
  [
    /^Binder Error: Referenced column "([^"]*)" not found/,
    (m) => sqlErrors.invalidIdentifier((m[1] ?? '').toUpperCase()),
  ],
  [
    /^Binder Error: Column "([^"]*)" referenced that exists in the SELECT clause/,
    (m) => sqlErrors.invalidIdentifier((m[1] ?? '').toUpperCase()),
  ],
  [
    /^Binder Error: Values list "[^"]*" does not have a column named "([^"]*)"/,
    (m) => sqlErrors.invalidIdentifier((m[1] ?? '').toUpperCase()),
  ],
  [/^Catalog Error: Table with name (\S+) does not exist/, (m) => sqlErrors.objectMissing([m[1] ?? ''])],
  [
    /^Catalog Error: (?:Scalar|Table|Aggregate) Function with name (\S+) does not exist/,
    (m) => sqlErrors.unknownFunction((m[1] ?? '').toUpperCase()),
  ],
  [
    /^Conversion Error: Could not convert string ['"](.*)['"] to (INT|DECIMAL|DOUBLE|FLOAT|BIGINT|HUGEINT|UINT|SMALLINT|TINYINT)/,
    (m) => sqlErrors.numericNotRecognized(m[1] ?? ''),
  ],
  [
    /^Conversion Error: .*date field value out of range: "([^"]*)"|^Conversion Error: invalid date field format: "([^"]*)"/,
    (m) => new SnowflakeError('100040', '22007', `Date '${m[1] ?? m[2] ?? ''}' is not recognized`),
  ],
  [
    /^Conversion Error: .*timestamp field value out of range: "([^"]*)"|^Conversion Error: invalid timestamp field format: "([^"]*)"/,
    (m) => new SnowflakeError('100035', '22007', `Timestamp '${m[1] ?? m[2] ?? ''}' is not recognized`),
  ],
  [
    /^Conversion Error: Could not convert string ['"](.*)['"] to BOOL/,
    (m) => new SnowflakeError('100037', '22018', `Boolean value '${m[1] ?? ''}' is not recognized`),
  ],
  [
    /^Constraint Error: NOT NULL constraint failed/,
    () => new SnowflakeError('100072', '22000', 'NULL result in a non-nullable column'),
  ],
  // Numeric overflow: "100046 (22003): Number out of representable range: type
  // FIXED[SB16](38,12)" (calogica/dbt-expectations issue #16, from Snowflake).
  [
    /^Conversion Error: Could not (?:cast value|convert string) "?([^"\s]+)"? to DECIMAL\((\d+),(\d+)\)/,
    (m) => numberOutOfRange(m[2] ?? '38', m[3] ?? '0', m[1] ?? ''),
  ],
  [
    /^Out of Range Error: Overflow in \w+ of DECIMAL\((\d+)(?:,(\d+))?\)/,
    (m) => numberOutOfRange(m[1] ?? '38', m[2] ?? '0'),
  ],
  [/Division by zero/i, () => new SnowflakeError('100051', '22012', 'Division by zero')],
  [/^(Conversion|Out of Range) Error/, (_m, message) => new SnowflakeError('100038', '22018', stripKind(message))],
  [
    /^Invalid Input Error: Malformed JSON/,
    (_m, message) => new SnowflakeError('100069', '22P02', `Error parsing JSON: ${stripKind(message)}`),
  ],
  [/^INTERRUPT Error/, () => sqlErrors.canceled()],
  [
    /^TransactionContext Error: .*[Cc]onflict/,
    (_m, message) =>
      new SnowflakeError(
        '000625',
        '57014',
        `Statement conflicted with a concurrent transaction: ${stripKind(message)}`,
      ),
  ],
  [/^Not implemented Error/, (_m, message) => sqlErrors.unsupported(stripKind(message))],
];

/**
 * Maps a DuckDB error onto the Snowflake error a client would get for the
 * same mistake: compile errors (001003 / 000904 / 002003 / 002140), data
 * errors (100038 numeric, 100040 date, 100035 timestamp, 100072 NOT NULL,
 * 100051 division by zero). Anything else keeps DuckDB's text under 001003.
 */
export function mapDuckError(err: unknown, catalog: Catalog): SnowflakeError {
  if (err instanceof SnowflakeError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const message = withSnowflakeNames(raw.split('\n')[0] ?? raw, catalog);
  for (const [pattern, toError] of RULES) {
    const m = pattern.exec(message);
    if (m) return toError(m, message);
  }
  return sqlErrors.syntax(stripKind(message));
}
