import { classifySnowflakeError } from './error-classification.js';
import {
  SnowflakeAuthError,
  SnowflakeCanceledError,
  SnowflakeError,
  type SnowflakeErrorOptions,
  SnowflakeTimeoutError,
  SnowflakeUnavailableError,
} from './errors.js';
import type { SqlStatement } from './sql/sql-statement.js';

/** The fields of a snowflake-sdk error d2s reads; any of them may be missing. */
interface DriverErrorLike {
  code?: unknown;
  sqlState?: unknown;
  message?: unknown;
  data?: { queryId?: unknown } | null;
  response?: { statusCode?: unknown; status?: unknown } | null;
}

/** The codes a snowflake-sdk error carries, as the classification takes them. */
export interface DriverErrorFacts {
  code?: string;
  sqlState?: string;
  httpStatus?: number;
}

export function driverErrorFacts(error: unknown): DriverErrorFacts {
  const e = (error ?? {}) as DriverErrorLike;
  const facts: DriverErrorFacts = {};
  if (typeof e.code === 'string' || typeof e.code === 'number') facts.code = String(e.code);
  if (typeof e.sqlState === 'string') facts.sqlState = e.sqlState;
  const status = e.response?.statusCode ?? e.response?.status;
  if (typeof status === 'number') facts.httpStatus = status;
  return facts;
}

/** Turns whatever the driver threw into a SnowflakeError with a secret-free message. */
export function toSnowflakeError(error: unknown, kind: string, statement: SqlStatement | undefined): SnowflakeError {
  if (error instanceof SnowflakeError) return error;
  const facts = driverErrorFacts(error);
  const e = (error ?? {}) as DriverErrorLike;
  const classification = classifySnowflakeError(facts);
  const rawMessage = typeof e.message === 'string' && e.message !== '' ? e.message : 'Snowflake request failed.';
  const message = statement ? statement.redact(rawMessage) : rawMessage;
  const queryId = typeof e.data?.queryId === 'string' ? e.data.queryId : undefined;
  const options: SnowflakeErrorOptions = {
    kind: classification.kind,
    retryable: classification.retryable,
    statementKind: kind,
    cause: statement?.hasSecrets ? undefined : error,
    ...(facts.code === undefined ? {} : { snowflakeCode: facts.code }),
    ...(facts.sqlState === undefined ? {} : { sqlState: facts.sqlState }),
    ...(facts.httpStatus === undefined ? {} : { httpStatus: facts.httpStatus }),
    ...(queryId === undefined ? {} : { queryId }),
  };
  const codeSuffix = facts.code ? ` (${facts.code}${facts.sqlState ? `/${facts.sqlState}` : ''})` : '';
  const text = `Snowflake ${kind} failed${codeSuffix}: ${message}`;
  switch (classification.kind) {
    case 'auth':
      return new SnowflakeAuthError(text, options);
    case 'timeout':
      return new SnowflakeTimeoutError(text, options);
    case 'canceled':
      return new SnowflakeCanceledError(text, options);
    case 'network':
      return new SnowflakeUnavailableError(text, options);
    default:
      return new SnowflakeError(text, options);
  }
}
