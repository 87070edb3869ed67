/**
 * Which Snowflake failures are worth another try. Pure: it looks only at the
 * codes the driver reports, so it is unit-tested without a server.
 *
 * Codes come from two places:
 * - Snowflake (GS): 6-digit strings such as `002003`, `390112`;
 * - the Node driver itself: numbers such as 401001 (network), 407002
 *   (connection is disconnected); see snowflake-sdk `lib/error_code`.
 */

export type SnowflakeErrorKind =
  /** The request did not get an answer: connection refused or reset, timeouts, 5xx, non-JSON replies. */
  | 'network'
  /** The session is gone or expired: log in again on a fresh connection, then retry. */
  | 'session'
  /** Snowflake refused the statement for load reasons (too many concurrent statements, lock queue full). */
  | 'throttled'
  /** Login refused: bad credentials, JWT rejected, user locked or disabled. */
  | 'auth'
  /** SQL compilation error: syntax, invalid identifier, type mismatch. */
  | 'syntax'
  /** The object does not exist, or the role may not see it (Snowflake does not say which). */
  | 'not-found'
  /** The role lacks a privilege. */
  | 'privilege'
  | 'already-exists'
  /** STATEMENT_TIMEOUT_IN_SECONDS (000630) or the client's watchdog. */
  | 'timeout'
  | 'canceled'
  /** The data does not fit: numeric overflow, bad date, constraint. */
  | 'data'
  /** Misconfiguration: invalid connection options, no warehouse, no current database. */
  | 'config'
  /** Snowflake reported an internal error. */
  | 'internal'
  | 'unknown';

export interface SnowflakeErrorFacts {
  /** GS code (`'002003'`) or driver code (`401001` or `'401001'`). */
  code?: string | number | undefined;
  sqlState?: string | undefined;
  httpStatus?: number | undefined;
}

export interface SnowflakeErrorClass {
  kind: SnowflakeErrorKind;
  /** Trying the same statement again can succeed. */
  retryable: boolean;
  /** Destroy the connection and log in again before retrying. */
  reconnect: boolean;
  /**
   * The statement may have run on the server before the failure (the answer
   * was lost). Statements that are not idempotent (`ALTER TABLE ... SWAP`)
   * are retried only when this is false.
   */
  maybeExecuted: boolean;
}

/** 6-digit GS codes with a fixed meaning. */
const GS_CODES: Readonly<Record<string, SnowflakeErrorClass>> = {
  // Query execution.
  '000603': cls('internal', true, false, true), // SQL execution internal error
  '000604': cls('canceled', false),
  '000605': cls('unknown', false), // identified SQL statement is not currently executing
  '000606': cls('config', false), // no active warehouse selected in the current session
  '000610': cls('throttled', true), // exceeded number of allowed concurrent requests per user
  '000625': cls('throttled', true), // too many statements waiting on a table lock
  '000630': cls('timeout', false), // statement reached its statement or warehouse timeout
  '000904': cls('syntax', false), // invalid identifier
  '001003': cls('syntax', false),
  '002002': cls('already-exists', false),
  '002003': cls('not-found', false), // does not exist or not authorized
  '002043': cls('not-found', false), // object does not exist, or operation cannot be performed
  '003001': cls('privilege', false), // insufficient privileges to operate on ...
  '090105': cls('config', false), // this session does not have a current database
  '090106': cls('config', false), // this session does not have a current schema
  // Sessions and tokens.
  '390104': cls('session', true, true), // session token invalid
  '390111': cls('session', true, true), // session no longer exists
  '390112': cls('session', true, true), // session token expired (the driver renews it itself)
  '390114': cls('session', true, true), // master token expired: log in again
  // Login.
  '390100': cls('auth', false), // incorrect username or password
  '390144': cls('auth', false), // JWT token is invalid
  '390189': cls('auth', false), // role in the connect string is not granted to the user
  '390201': cls('config', false), // requested database/schema/warehouse does not exist or not authorized
  '390303': cls('auth', false), // OAuth token invalid
  '390318': cls('auth', false), // OAuth token expired
};

/** Numeric codes of snowflake-sdk's own errors. */
const DRIVER_CODES: Readonly<Record<number, SnowflakeErrorClass>> = {
  401001: cls('network', true, false, true), // could not connect / network error
  401003: cls('network', true, false, true), // response was not JSON (proxy or load balancer page)
  401004: cls('session', true, true), // invalid token (HTTP 401 with 390104)
  402001: cls('network', true, false, true), // large result chunk: could not connect
  402002: cls('network', true, false, true), // large result chunk: bad response
  405503: cls('session', true, true), // connect on a disconnected connection
  407001: cls('session', true, true), // request on a connection that never connected
  407002: cls('session', true, true), // request on a disconnected connection
  412005: cls('network', true), // OCSP: no response
  412012: cls('network', true), // OCSP responder timeout
  412013: cls('network', true), // OCSP cache server timeout
  412014: cls('network', true), // OCSP: failed to obtain a response
};

function cls(
  kind: SnowflakeErrorKind,
  retryable: boolean,
  reconnect = false,
  maybeExecuted = false,
): SnowflakeErrorClass {
  return { kind, retryable, reconnect, maybeExecuted };
}

function isTransientHttpStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Classifies one failure by its code, SQL state and HTTP status. */
export function classifySnowflakeError(facts: SnowflakeErrorFacts): SnowflakeErrorClass {
  const raw = facts.code === undefined || facts.code === null ? '' : String(facts.code).trim();
  const numeric = /^\d+$/.test(raw) ? Number(raw) : undefined;

  // The driver's own errors are 6-digit numbers from 400001 up.
  if (numeric !== undefined && numeric >= 400000 && numeric < 500000 && !raw.startsWith('0')) {
    return classifyDriverCode(numeric, facts.httpStatus);
  }
  if (raw.length > 0) {
    const known = GS_CODES[raw.padStart(6, '0')];
    if (known) return { ...known };
    const byFamily = classifyGsFamily(raw.padStart(6, '0'));
    if (byFamily) return byFamily;
  }
  if (facts.httpStatus !== undefined) {
    if (isTransientHttpStatus(facts.httpStatus)) return cls('network', true, false, true);
    if (facts.httpStatus === 401) return cls('session', true, true);
  }
  return classifySqlState(facts.sqlState);
}

function classifyDriverCode(code: number, httpStatus: number | undefined): SnowflakeErrorClass {
  const known = DRIVER_CODES[code];
  if (known) return { ...known };
  if (code === 401002) {
    // "Request to Snowflake failed" with the HTTP status when there was one.
    if (httpStatus === undefined || isTransientHttpStatus(httpStatus)) return cls('network', true, false, true);
    if (httpStatus === 401) return cls('session', true, true);
    return cls('unknown', false);
  }
  if (code >= 404001 && code < 405000) return cls('config', false); // invalid connection options
  if (code >= 405505 && code < 406000) return cls('config', false); // bad client config / authenticator
  if (code >= 412000 && code < 414000) return cls('config', false); // OCSP / CRL certificate problems
  return cls('internal', false); // invalid arguments and assertion failures inside the driver
}

function classifyGsFamily(code: string): SnowflakeErrorClass | undefined {
  if (code.startsWith('001') || code.startsWith('002')) return cls('syntax', false); // SQL compilation errors
  if (code.startsWith('003')) return cls('privilege', false);
  if (code.startsWith('39')) return cls('auth', false); // 39xxxx: authentication and session errors
  if (code.startsWith('100') || code.startsWith('200')) return cls('data', false);
  return undefined;
}

function classifySqlState(sqlState: string | undefined): SnowflakeErrorClass {
  if (!sqlState) return cls('unknown', false);
  if (sqlState === '57014') return cls('canceled', false);
  if (sqlState.startsWith('08')) return cls('network', true, true, true); // connection exception
  if (sqlState === '40001') return cls('throttled', true); // serialization failure
  if (sqlState.startsWith('42')) return cls('syntax', false);
  if (sqlState.startsWith('22') || sqlState.startsWith('23')) return cls('data', false);
  if (sqlState.startsWith('28')) return cls('auth', false);
  if (sqlState === 'XX000') return cls('internal', true, false, true);
  return cls('unknown', false);
}
