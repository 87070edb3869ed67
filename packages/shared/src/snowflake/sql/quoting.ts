import type { SnowflakeObjectName } from '../../config/schema.js';
import { SqlBuildError } from '../errors.js';

/** Snowflake's limit on the length of an identifier, in characters. */
export const MAX_IDENTIFIER_LENGTH = 255;

/**
 * A double-quoted identifier: `orders` becomes `"orders"`, `my "x"` becomes
 * `"my ""x"""`. Quoted identifiers are case-sensitive in Snowflake, so the
 * name is used exactly as given (`"orders"` is not `ORDERS`). Refuses empty
 * names, NUL characters and names longer than 255 characters.
 */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new SqlBuildError('A Snowflake identifier must not be empty.', { details: { identifier: name } });
  }
  if (name.includes('\u0000')) {
    throw new SqlBuildError('A Snowflake identifier must not contain a NUL character.', {
      details: { identifier: name.replaceAll('\u0000', '\\0') },
    });
  }
  if ([...name].length > MAX_IDENTIFIER_LENGTH) {
    throw new SqlBuildError(`A Snowflake identifier must be at most ${MAX_IDENTIFIER_LENGTH} characters long.`, {
      details: { identifier: `${name.slice(0, 40)}…` },
    });
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"database"."schema"."name"`, each part quoted. */
export function qualifiedName(object: SnowflakeObjectName): string {
  return `${quoteIdentifier(object.database)}.${quoteIdentifier(object.schema)}.${quoteIdentifier(object.name)}`;
}

/** `"database"."schema"`, each part quoted. */
export function qualifiedSchemaName(schema: { database: string; schema: string }): string {
  return `${quoteIdentifier(schema.database)}.${quoteIdentifier(schema.schema)}`;
}

/**
 * A single-quoted string literal. Snowflake treats the backslash as an escape
 * character inside single quotes, so backslashes are doubled as well as
 * single quotes: `it's C:\x` becomes `'it''s C:\\x'`. Refuses NUL characters.
 */
export function quoteLiteral(value: string): string {
  if (typeof value !== 'string') {
    throw new SqlBuildError('A string literal must be a string.', { details: { type: typeof value } });
  }
  if (value.includes('\u0000')) {
    throw new SqlBuildError('A string literal must not contain a NUL character.');
  }
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

const CATALOG_INTEGRATION_NAME = /^[A-Z_][A-Z0-9_$]*$/;

/**
 * Checks a catalog integration name. Snowflake takes these names inside
 * string literals too (`CATALOG = '<name>'` of CREATE ICEBERG TABLE,
 * `SYSTEM$VERIFY_CATALOG_INTEGRATION('<name>')`, which is case-sensitive),
 * where a quoted or lower-case name is ambiguous. Only names that read the
 * same quoted, unquoted and inside a string are accepted: upper-case
 * letters, digits, `_` and `$`, not starting with a digit or `$`.
 */
export function catalogIntegrationName(name: string): string {
  quoteIdentifier(name);
  if (!CATALOG_INTEGRATION_NAME.test(name)) {
    throw new SqlBuildError(
      'A catalog integration name must be upper-case letters, digits, _ and $ (for example D2S_UC_MAIN): Snowflake also takes it inside strings, where other names are ambiguous.',
      { details: { name } },
    );
  }
  return name;
}

/** A fully qualified object name inside a string literal: `'"DB"."SCH"."FF"'`. */
export function qualifiedNameLiteral(object: SnowflakeObjectName): string {
  return quoteLiteral(qualifiedName(object));
}

const SAFE_STAGE_PATH = /^[A-Za-z0-9_.=+/-]*$/;

/**
 * A stage location, `@"DB"."SCH"."STAGE"/path/`. The path is relative to the
 * stage URL; a leading `/` is dropped. Only letters, digits and `_ . = + / -`
 * are accepted in the path, so the location never needs quoting and cannot
 * change the statement around it.
 */
export function stageLocation(stage: SnowflakeObjectName, path = ''): string {
  const relative = path.replace(/^\/+/, '');
  if (!SAFE_STAGE_PATH.test(relative)) {
    throw new SqlBuildError(
      'A stage path may only contain letters, digits and the characters _ . = + / - (no spaces or quotes).',
      { details: { path } },
    );
  }
  return `@${qualifiedName(stage)}${relative === '' ? '' : `/${relative}`}`;
}

/** A whole number within bounds, for numeric SQL options. */
export function integerOption(name: string, value: number, min: number, max: number): string {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SqlBuildError(`${name} must be a whole number from ${min} to ${max}.`, { details: { [name]: value } });
  }
  return String(value);
}

export function booleanOption(value: boolean): string {
  return value ? 'TRUE' : 'FALSE';
}
