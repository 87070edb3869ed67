import { sqlErrors } from '../errors.js';

/** How SHOW PARAMETERS prints a parameter's `type`. */
export type ParameterType = 'STRING' | 'NUMBER' | 'BOOLEAN';

export interface SessionParameterSpec {
  name: string;
  default: string;
  type: ParameterType;
  description: string;
  /** The value as stored, or an error message part when Snowflake refuses it. */
  normalize?: (value: string) => string | undefined;
}

const isTimeZone = (value: string): string | undefined => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    return undefined;
  }
};

const oneOf =
  (...allowed: string[]) =>
  (value: string): string | undefined =>
    allowed.includes(value.toUpperCase()) ? value.toUpperCase() : undefined;

const wholeNumber = (value: string): string | undefined => (/^\d+$/.test(value) ? value : undefined);

const bool = (value: string): string | undefined => (/^(true|false)$/i.test(value) ? value.toLowerCase() : undefined);

/**
 * The session parameters the emulator knows, with Snowflake's defaults
 * (https://docs.snowflake.com/en/sql-reference/parameters): TIMEZONE defaults
 * to America/Los_Angeles, TIMESTAMP_TYPE_MAPPING to TIMESTAMP_NTZ, the output
 * formats to the documented defaults (empty LTZ/TZ formats fall back to
 * TIMESTAMP_OUTPUT_FORMAT).
 */
export const SESSION_PARAMETERS: readonly SessionParameterSpec[] = [
  // Accepted and shown, not acted on: clients commonly set them.
  {
    name: 'ABORT_DETACHED_QUERY',
    default: 'false',
    type: 'BOOLEAN',
    description: 'Whether a query is aborted when its client connection is lost.',
    normalize: bool,
  },
  {
    name: 'CLIENT_TIMESTAMP_TYPE_MAPPING',
    default: 'TIMESTAMP_LTZ',
    type: 'STRING',
    description: 'The TIMESTAMP_* type a client binds TIMESTAMP values as.',
    normalize: oneOf('TIMESTAMP_LTZ', 'TIMESTAMP_NTZ'),
  },
  {
    // MERGE refuses a target row joined to several source rows with UPDATE (100090) unless FALSE
    // (https://docs.snowflake.com/en/sql-reference/sql/merge, "Duplicate join behavior").
    name: 'ERROR_ON_NONDETERMINISTIC_MERGE',
    default: 'true',
    type: 'BOOLEAN',
    description: 'Whether a MERGE fails when several source rows would update or delete one target row.',
    normalize: bool,
  },
  {
    name: 'LOCK_TIMEOUT',
    default: '43200',
    type: 'NUMBER',
    description: 'Seconds to wait for a lock before a statement fails.',
    normalize: wholeNumber,
  },
  {
    name: 'MULTI_STATEMENT_COUNT',
    default: '1',
    type: 'NUMBER',
    description: 'How many statements one request may hold.',
    normalize: wholeNumber,
  },
  {
    name: 'ROWS_PER_RESULTSET',
    default: '0',
    type: 'NUMBER',
    description: 'Maximum rows of a result set; 0 for no maximum.',
    normalize: wholeNumber,
  },
  {
    name: 'USE_CACHED_RESULT',
    default: 'true',
    type: 'BOOLEAN',
    description: 'Whether persisted query results are reused.',
    normalize: bool,
  },
  {
    name: 'WEEK_START',
    default: '0',
    type: 'NUMBER',
    description: 'The first day of the week (0 for ISO semantics).',
    normalize: wholeNumber,
  },
  {
    name: 'AUTOCOMMIT',
    default: 'true',
    type: 'BOOLEAN',
    description: 'Whether each statement commits on its own when no transaction is open.',
    normalize: bool,
  },
  {
    name: 'BINARY_OUTPUT_FORMAT',
    default: 'HEX',
    type: 'STRING',
    description: 'Display format for binary values.',
    normalize: oneOf('HEX', 'BASE64'),
  },
  {
    name: 'CLIENT_SESSION_KEEP_ALIVE',
    default: 'false',
    type: 'BOOLEAN',
    description: 'If true, client session will not expire automatically',
    normalize: bool,
  },
  {
    name: 'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY',
    default: '3600',
    type: 'NUMBER',
    description: 'Heartbeat frequency in seconds for CLIENT_SESSION_KEEP_ALIVE.',
    normalize: wholeNumber,
  },
  { name: 'DATE_INPUT_FORMAT', default: 'AUTO', type: 'STRING', description: 'input format for date' },
  { name: 'DATE_OUTPUT_FORMAT', default: 'YYYY-MM-DD', type: 'STRING', description: 'display format for date' },
  {
    name: 'JS_TREAT_INTEGER_AS_BIGINT',
    default: 'false',
    type: 'BOOLEAN',
    description: 'If true, the nodejs client will convert all integer columns to bigint type',
    normalize: bool,
  },
  {
    name: 'QUERY_TAG',
    default: '',
    type: 'STRING',
    description: 'String (up to 4096 characters) used to tag statements executed by the session',
  },
  {
    name: 'STATEMENT_TIMEOUT_IN_SECONDS',
    default: '172800',
    type: 'NUMBER',
    description: 'Timeout in seconds for queries: 0 means no timeout',
    normalize: wholeNumber,
  },
  { name: 'TIME_INPUT_FORMAT', default: 'AUTO', type: 'STRING', description: 'input format for time' },
  { name: 'TIME_OUTPUT_FORMAT', default: 'HH24:MI:SS', type: 'STRING', description: 'display format for time' },
  { name: 'TIMESTAMP_INPUT_FORMAT', default: 'AUTO', type: 'STRING', description: 'input format for timestamp' },
  {
    name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT',
    default: '',
    type: 'STRING',
    description: 'Display format for TIMESTAMP_LTZ values. If empty, TIMESTAMP_OUTPUT_FORMAT is used.',
  },
  {
    name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT',
    default: 'YYYY-MM-DD HH24:MI:SS.FF3',
    type: 'STRING',
    description: 'Display format for TIMESTAMP_NTZ values. If empty, TIMESTAMP_OUTPUT_FORMAT is used.',
  },
  {
    name: 'TIMESTAMP_OUTPUT_FORMAT',
    default: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
    type: 'STRING',
    description: 'Default display format for all timestamp types.',
  },
  {
    name: 'TIMESTAMP_TYPE_MAPPING',
    default: 'TIMESTAMP_NTZ',
    type: 'STRING',
    description: 'The TIMESTAMP_* type the TIMESTAMP alias stands for.',
    normalize: oneOf('TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ'),
  },
  {
    name: 'TIMESTAMP_TZ_OUTPUT_FORMAT',
    default: '',
    type: 'STRING',
    description: 'Display format for TIMESTAMP_TZ values. If empty, TIMESTAMP_OUTPUT_FORMAT is used.',
  },
  { name: 'TIMEZONE', default: 'America/Los_Angeles', type: 'STRING', description: 'time zone', normalize: isTimeZone },
];

const BY_NAME = new Map(SESSION_PARAMETERS.map((p) => [p.name, p]));

export function sessionParameterSpec(name: string): SessionParameterSpec | undefined {
  return BY_NAME.get(name);
}

/**
 * The value ALTER SESSION SET stores for a parameter, or Snowflake's refusal:
 * an unknown parameter name, or a value the parameter does not take
 * (`invalid value ['Mars/Olympus'] for parameter 'TIMEZONE'`).
 */
export function validatedParameterValue(name: string, value: string): string {
  const spec = BY_NAME.get(name);
  if (!spec) throw sqlErrors.invalidValue(`invalid parameter '${name}'`);
  const normalized = spec.normalize ? spec.normalize(value) : value;
  if (normalized === undefined) throw sqlErrors.invalidValue(`invalid value ['${value}'] for parameter '${name}'`);
  return normalized;
}
