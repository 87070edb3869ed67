import { D2sError, type D2sErrorOptions } from '../errors.js';
import type { SnowflakeErrorKind } from './error-classification.js';

export interface SnowflakeErrorOptions extends D2sErrorOptions {
  /** Snowflake's own code as a 6-digit string (`'002003'`), or the driver's (`'401001'`). */
  snowflakeCode?: string;
  sqlState?: string;
  queryId?: string;
  kind?: SnowflakeErrorKind;
  /** HTTP status of the failed request, when the driver reports one. */
  httpStatus?: number;
  /** The first keyword(s) of the statement that failed (`COPY`, `CREATE TABLE`). */
  statementKind?: string;
}

/**
 * A Snowflake statement or login failed. `snowflakeCode`, `sqlState` and
 * `queryId` come from Snowflake; `retryable` from the classification in
 * error-classification.ts. The message never holds a secret from the statement.
 */
export class SnowflakeError extends D2sError {
  readonly code: string = 'SNOWFLAKE_QUERY_FAILED';
  readonly snowflakeCode: string | undefined;
  readonly sqlState: string | undefined;
  readonly queryId: string | undefined;
  readonly kind: SnowflakeErrorKind;
  readonly httpStatus: number | undefined;

  constructor(message: string, options: SnowflakeErrorOptions = {}) {
    const facts: Record<string, unknown> = {};
    if (options.snowflakeCode !== undefined) facts.snowflakeCode = options.snowflakeCode;
    if (options.sqlState !== undefined) facts.sqlState = options.sqlState;
    if (options.queryId !== undefined) facts.queryId = options.queryId;
    if (options.kind !== undefined) facts.kind = options.kind;
    if (options.httpStatus !== undefined) facts.httpStatus = options.httpStatus;
    if (options.statementKind !== undefined) facts.statement = options.statementKind;
    super(message, { ...options, details: { ...facts, ...options.details } });
    this.snowflakeCode = options.snowflakeCode;
    this.sqlState = options.sqlState;
    this.queryId = options.queryId;
    this.kind = options.kind ?? 'unknown';
    this.httpStatus = options.httpStatus;
  }
}

/** Login was refused: wrong password or key, unknown user, locked user, bad role or warehouse for the user. */
export class SnowflakeAuthError extends SnowflakeError {
  override readonly code: string = 'SNOWFLAKE_AUTH_FAILED';
}

/** Snowflake could not be reached, or kept failing transiently until the retries ran out. */
export class SnowflakeUnavailableError extends SnowflakeError {
  override readonly code: string = 'SNOWFLAKE_UNAVAILABLE';
}

/** The statement ran past its timeout (Snowflake's STATEMENT_TIMEOUT_IN_SECONDS, code 000630, or the client's own watchdog). */
export class SnowflakeTimeoutError extends SnowflakeError {
  override readonly code: string = 'SNOWFLAKE_STATEMENT_TIMEOUT';
}

/** The statement was canceled (abort signal, `cancel(queryId)`, or someone else's SYSTEM$CANCEL_QUERY). */
export class SnowflakeCanceledError extends SnowflakeError {
  override readonly code: string = 'SNOWFLAKE_STATEMENT_CANCELED';
}

/** The client was closed; no statement can run on it any more. */
export class SnowflakeClientClosedError extends SnowflakeError {
  override readonly code: string = 'SNOWFLAKE_CLIENT_CLOSED';
}

/** A SQL builder refused its input (empty identifier, NUL character, value out of range). */
export class SqlBuildError extends D2sError {
  readonly code = 'SNOWFLAKE_SQL_INVALID';
}
