import type { Logger } from 'pino';
import type { Binds, Connection, ConnectionOptions } from 'snowflake-sdk';
import { type Clock, type RandomSource, systemClock } from '../clock.js';
import {
  type DriverConnectionSettings,
  driverConnectionOptions,
  type SnowflakeConnectionConfig,
} from './connection-options.js';
import { configuredSnowflakeDriver, type SnowflakeDriver } from './driver.js';
import { toSnowflakeError } from './driver-errors.js';
import { classifySnowflakeError } from './error-classification.js';
import {
  SnowflakeCanceledError,
  SnowflakeClientClosedError,
  SnowflakeError,
  type SnowflakeErrorOptions,
  SnowflakeUnavailableError,
  SqlBuildError,
} from './errors.js';
import { ConnectionPool } from './pool.js';
import { isSqlStatement, type SqlStatement } from './sql/sql-statement.js';
import { quoteIdentifier } from './sql/quoting.js';
import { cancelQuery, isQueryId } from './sql/system.js';
import {
  type QueryResult,
  StatementExecution,
  type StatementParameters,
  type StatementRequest,
} from './statement-execution.js';
import { statementKind } from './statement-kind.js';

/** Snowflake's limit on QUERY_TAG. */
export const MAX_QUERY_TAG_LENGTH = 2000;
/** Snowflake's limit on STATEMENT_TIMEOUT_IN_SECONDS (7 days). */
export const MAX_STATEMENT_TIMEOUT_SECONDS = 604_800;

export interface ExecuteOptions {
  /** QUERY_TAG of this statement (for example the sync id); set per statement, never on the pooled session. */
  queryTag?: string;
  /** STATEMENT_TIMEOUT_IN_SECONDS of this statement. @defaultValue config.statementTimeoutSeconds */
  timeoutSeconds?: number;
  /** Cancels the statement (and waiting for a connection or a retry). */
  signal?: AbortSignal;
  /**
   * Whether running the statement twice is harmless. When false, a failure
   * after which the statement may already have run (lost answer, network
   * error) is not retried; failures that prove it did not run still are.
   * `ALTER TABLE ... SWAP WITH` is the one d2s statement that needs false.
   * @defaultValue true
   */
  idempotent?: boolean;
  /**
   * Called once with the query id as soon as Snowflake has assigned one
   * (long statements report it while still running), so a caller can record
   * it and cancel the statement later, even from another process.
   */
  onQueryId?: (queryId: string) => void;
  /**
   * NUMBER values come back as text, exactly (the driver's `fetchAsString`):
   * JavaScript numbers lose digits past 2^53, as Snowflake's transaction and
   * session ids have. @defaultValue false
   */
  numbersAsText?: boolean;
}

/** One attempt of one statement, for metrics. Holds no SQL text, binds or names. */
export interface QueryEvent {
  /** First keyword(s): `COPY`, `SELECT`, `CREATE TABLE`, `ALTER ICEBERG TABLE`, `SHOW CATALOG INTEGRATIONS`. */
  kind: string;
  durationMs: number;
  queryId?: string;
  /** Snowflake's or the driver's code when the attempt failed (`002003`, `401001`), else the d2s code. */
  errorCode?: string;
  /** 1 for the first try. */
  attempt: number;
  outcome: 'success' | 'error';
}

export interface RetryPolicy {
  /** Tries per statement, the first included. @defaultValue 4 */
  maxAttempts?: number;
  /** @defaultValue 500 */
  baseDelayMs?: number;
  /** @defaultValue 10000 */
  maxDelayMs?: number;
}

export interface SnowflakeClientDeps {
  logger?: Logger;
  onQuery?: (event: QueryEvent) => void;
  /** The snowflake-sdk module. @defaultValue the one `configureSnowflakeDriver()` set up */
  driver?: SnowflakeDriver;
  retry?: RetryPolicy;
  driverSettings?: DriverConnectionSettings;
  /**
   * Extra time the client waits past a statement's timeout before it cancels
   * the statement itself (covers a server that never answers). @defaultValue 15000
   */
  watchdogGraceMs?: number;
  /** Waits between retries, and the pool's idle timeout. @defaultValue systemClock */
  clock?: Clock;
  /** Jitter of the retry backoff. @defaultValue Math.random */
  random?: RandomSource;
}

/** The statements of one transaction: run one after the other on its session. */
export interface SnowflakeTransaction {
  execute<Row = Record<string, unknown>>(
    sql: string | SqlStatement,
    binds?: readonly unknown[],
    options?: Pick<ExecuteOptions, 'timeoutSeconds' | 'signal'>,
  ): Promise<QueryResult<Row>>;
}

export interface TransactionOptions {
  /** QUERY_TAG of every statement of the transaction. */
  queryTag?: string;
  /** BEGIN TRANSACTION NAME: shown by SHOW TRANSACTIONS, so a transaction left open can be found and aborted. */
  name?: string;
  signal?: AbortSignal;
}

export interface SnowflakeClient {
  /**
   * Runs one statement on a pooled connection and returns all its rows.
   * Transient failures are retried with backoff; a lost session is replaced
   * by a fresh login. `sql` may be a builder's SqlStatement (its secrets
   * are sent, never logged) or plain SQL text (never logged, only its kind).
   * Values go in `binds` (`?` placeholders); binds are never logged.
   */
  execute<Row = Record<string, unknown>>(
    sql: string | SqlStatement,
    binds?: readonly unknown[],
    options?: ExecuteOptions,
  ): Promise<QueryResult<Row>>;
  /**
   * Runs `fn` inside one explicit transaction on one session: BEGIN
   * [NAME <name>], the statements `fn` runs through its argument, then
   * COMMIT; ROLLBACK when `fn` throws. Statements inside are not retried (a
   * retry cannot know what the transaction already holds): a failure ends
   * the transaction and the caller decides. A COMMIT whose answer is lost
   * leaves the outcome unknown, so a caller that must not apply twice
   * writes a marker in the same transaction and looks for it first.
   */
  transaction<T>(fn: (tx: SnowflakeTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Cancels a running statement by query id: through the driver when this
   * client runs it, else with SYSTEM$CANCEL_QUERY. Resolves false when
   * Snowflake says the statement is not running.
   */
  cancel(queryId: string): Promise<boolean>;
  /** Waits for running statements, closes every session; later calls fail with SnowflakeClientClosedError. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/**
 * A Snowflake client over a pool of driver connections. Requires
 * `configureSnowflakeDriver()` to have run (or `deps.driver`). Fails with a
 * ConfigError when account, user or credentials are missing.
 */
export function createSnowflakeClient(
  config: SnowflakeConnectionConfig,
  deps: SnowflakeClientDeps = {},
): SnowflakeClient {
  const connectionOptions = driverConnectionOptions(config, deps.driverSettings);
  const driver = deps.driver ?? configuredSnowflakeDriver();
  return new PooledSnowflakeClient(config, connectionOptions, driver, deps);
}

class PooledSnowflakeClient implements SnowflakeClient {
  readonly #pool: ConnectionPool<Connection>;
  /** Statements the driver has not answered yet, for `cancel(queryId)`. */
  readonly #running = new Set<StatementExecution>();
  readonly #defaultTimeoutSeconds: number;
  readonly #logger: Logger | undefined;
  readonly #onQuery: ((event: QueryEvent) => void) | undefined;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #watchdogGraceMs: number;
  readonly #clock: Clock;
  readonly #random: RandomSource;

  constructor(
    config: SnowflakeConnectionConfig,
    connectionOptions: ConnectionOptions,
    driver: SnowflakeDriver,
    deps: SnowflakeClientDeps,
  ) {
    this.#defaultTimeoutSeconds = config.statementTimeoutSeconds;
    this.#logger = deps.logger?.child({ component: 'snowflake' });
    this.#onQuery = deps.onQuery;
    this.#maxAttempts = Math.max(1, deps.retry?.maxAttempts ?? 4);
    this.#baseDelayMs = deps.retry?.baseDelayMs ?? 500;
    this.#maxDelayMs = deps.retry?.maxDelayMs ?? 10_000;
    this.#watchdogGraceMs = deps.watchdogGraceMs ?? 15_000;
    this.#clock = deps.clock ?? systemClock;
    this.#random = deps.random ?? Math.random;
    this.#pool = new ConnectionPool<Connection>(
      {
        create: () => connect(driver, connectionOptions),
        destroy: (connection) => disconnect(connection),
        isUsable: (connection) => connection.isUp(),
      },
      {
        max: config.poolMax,
        now: () => this.#clock.now(),
        closedError: () => new SnowflakeClientClosedError('The Snowflake client is closed.', { kind: 'config' }),
      },
    );
  }

  get closed(): boolean {
    return this.#pool.closed;
  }

  async execute<Row = Record<string, unknown>>(
    sql: string | SqlStatement,
    binds?: readonly unknown[],
    options: ExecuteOptions = {},
  ): Promise<QueryResult<Row>> {
    const statement = isSqlStatement(sql) ? sql : undefined;
    const kind = statementKind(statement ? statement.masked : (sql as string));
    const request: StatementRequest = {
      sqlText: statement ? statement.text() : (sql as string),
      parameters: this.#statementParameters(options),
      binds: binds === undefined ? undefined : toDriverBinds(binds),
      kind,
      numbersAsText: options.numbersAsText,
    };
    const idempotent = options.idempotent ?? true;
    const logFields = { kind, queryTag: options.queryTag, ...(statement ? { sql: truncate(statement.masked) } : {}) };

    for (let attempt = 1; ; attempt += 1) {
      if (this.closed) throw new SnowflakeClientClosedError('The Snowflake client is closed.', { kind: 'config' });
      throwIfAborted(options.signal, kind);
      const started = performance.now();
      try {
        const result = await this.#attempt<Row>(request, options);
        const durationMs = Math.round(performance.now() - started);
        this.#emit({ kind, durationMs, queryId: result.queryId, attempt, outcome: 'success' });
        this.#logger?.debug(
          { ...logFields, queryId: result.queryId, durationMs, rows: result.rows.length },
          'snowflake statement done',
        );
        return result;
      } catch (raw) {
        const durationMs = Math.round(performance.now() - started);
        const error = toSnowflakeError(raw, kind, statement);
        this.#emit({
          kind,
          durationMs,
          ...(error.queryId ? { queryId: error.queryId } : {}),
          errorCode: error.snowflakeCode ?? error.code,
          attempt,
          outcome: 'error',
        });
        const classification = classifyForRetry(error);
        const mayRetry =
          error.retryable &&
          attempt < this.#maxAttempts &&
          !this.closed &&
          !options.signal?.aborted &&
          (idempotent || !classification.maybeExecuted);
        if (!mayRetry) {
          this.#logger?.debug({ ...logFields, err: error.toJSON(), attempt }, 'snowflake statement failed');
          if (error.retryable && !idempotent && classification.maybeExecuted) throw outcomeUnknown(error);
          throw error.retryable && attempt >= this.#maxAttempts ? exhausted(error, attempt) : error;
        }
        const delay = this.#backoff(attempt);
        this.#logger?.warn(
          { ...logFields, err: error.toJSON(), attempt, retryInMs: delay },
          'snowflake statement failed; retrying',
        );
        await this.#clock.sleep(delay, options.signal).catch(() => {
          throw canceled(kind);
        });
      }
    }
  }

  async transaction<T>(fn: (tx: SnowflakeTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.closed) throw new SnowflakeClientClosedError('The Snowflake client is closed.', { kind: 'config' });
    const connection = await this.#pool.acquire(options.signal);
    let sessionUsable = true;
    // The session stays with the transaction: StatementExecution hands it back after each statement, and only
    // a broken session (destroy) is noted, to be closed at the end.
    const keep = {
      release: () => undefined,
      destroy: async () => {
        sessionUsable = false;
      },
    };
    const run: SnowflakeTransaction['execute'] = async (sql, binds, statementOptions = {}) => {
      const statement = isSqlStatement(sql) ? sql : undefined;
      const kind = statementKind(statement ? statement.masked : (sql as string));
      const request: StatementRequest = {
        sqlText: statement ? statement.text() : (sql as string),
        parameters: this.#statementParameters({ ...options, ...statementOptions }),
        binds: binds === undefined ? undefined : toDriverBinds(binds),
        kind,
      };
      const started = performance.now();
      try {
        const execution = new StatementExecution(connection, request, { connections: keep, logger: this.#logger });
        const timeoutSeconds = request.parameters.STATEMENT_TIMEOUT_IN_SECONDS;
        const result = await execution.run({
          signal: statementOptions.signal ?? options.signal,
          watchdogMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 + this.#watchdogGraceMs : undefined,
        });
        const durationMs = Math.round(performance.now() - started);
        this.#emit({ kind, durationMs, queryId: result.queryId, attempt: 1, outcome: 'success' });
        return result as never;
      } catch (raw) {
        const error = toSnowflakeError(raw, kind, statement);
        const durationMs = Math.round(performance.now() - started);
        this.#emit({ kind, durationMs, errorCode: error.snowflakeCode ?? error.code, attempt: 1, outcome: 'error' });
        throw error;
      }
    };
    try {
      await run(
        options.name === undefined ? 'BEGIN TRANSACTION' : `BEGIN TRANSACTION NAME ${quoteIdentifier(options.name)}`,
      );
      const result = await fn({ execute: run });
      await run('COMMIT');
      return result;
    } catch (error) {
      if (sessionUsable) {
        await run('ROLLBACK').catch(() => {
          sessionUsable = false;
        });
      }
      throw error;
    } finally {
      if (sessionUsable && connection.isUp()) this.#pool.release(connection);
      else await this.#pool.destroy(connection);
    }
  }

  async cancel(queryId: string): Promise<boolean> {
    if (!isQueryId(queryId)) {
      throw new SqlBuildError('A Snowflake query id is a UUID.', { details: { queryId } });
    }
    for (const execution of this.#running) {
      if (execution.queryId === queryId) {
        execution.cancel();
        return true;
      }
    }
    try {
      const result = await this.execute(cancelQuery(queryId));
      const text = String(Object.values(result.rows[0] ?? {})[0] ?? '');
      return !/not (currently )?(running|executing)|no such|not found/i.test(text);
    } catch (error) {
      // 000605: "Identified SQL statement is not currently executing."
      if (error instanceof SnowflakeError && error.snowflakeCode === '000605') return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #statementParameters(options: ExecuteOptions): StatementParameters {
    const timeout = options.timeoutSeconds ?? this.#defaultTimeoutSeconds;
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_STATEMENT_TIMEOUT_SECONDS) {
      throw new SqlBuildError(`timeoutSeconds must be a whole number from 0 to ${MAX_STATEMENT_TIMEOUT_SECONDS}.`, {
        details: { timeoutSeconds: timeout },
      });
    }
    const parameters: StatementParameters = { STATEMENT_TIMEOUT_IN_SECONDS: timeout };
    if (options.queryTag !== undefined) {
      if (options.queryTag.length > MAX_QUERY_TAG_LENGTH) {
        throw new SqlBuildError(`A query tag may be at most ${MAX_QUERY_TAG_LENGTH} characters long.`);
      }
      parameters.QUERY_TAG = options.queryTag;
    }
    return parameters;
  }

  /** One try: a connection from the pool, the statement run on it. */
  async #attempt<Row>(request: StatementRequest, options: ExecuteOptions): Promise<QueryResult<Row>> {
    let connection: Connection;
    try {
      connection = await this.#pool.acquire(options.signal);
    } catch (error) {
      if (options.signal?.aborted && error === options.signal.reason) throw canceled(request.kind);
      throw error;
    }
    const execution = new StatementExecution(connection, request, {
      connections: this.#pool,
      logger: this.#logger,
    });
    this.#running.add(execution);
    void execution.ended.then(() => this.#running.delete(execution));
    const timeoutSeconds = request.parameters.STATEMENT_TIMEOUT_IN_SECONDS;
    return execution.run<Row>({
      signal: options.signal,
      onQueryId: options.onQueryId,
      // 0 means no timeout in Snowflake, and then no watchdog either.
      watchdogMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 + this.#watchdogGraceMs : undefined,
    });
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    // "Equal jitter": at least half the ceiling, so retries never bunch up at 0.
    return Math.round(ceiling / 2 + this.#random() * (ceiling / 2));
  }

  #emit(event: QueryEvent): void {
    if (!this.#onQuery) return;
    try {
      this.#onQuery(event);
    } catch (error) {
      this.#logger?.warn({ err: error }, 'onQuery hook threw');
    }
  }
}

function connect(driver: SnowflakeDriver, options: ConnectionOptions): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    let connection: Connection;
    try {
      connection = driver.createConnection(options);
    } catch (error) {
      reject(toSnowflakeError(error, 'LOGIN', undefined));
      return;
    }
    connection.connect((error) => {
      if (error) reject(toSnowflakeError(error, 'LOGIN', undefined));
      else resolve(connection);
    });
  });
}

function disconnect(connection: Connection): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!connection.isUp()) {
      resolve();
      return;
    }
    try {
      connection.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}

function classifyForRetry(error: SnowflakeError) {
  return classifySnowflakeError({ code: error.snowflakeCode, sqlState: error.sqlState, httpStatus: error.httpStatus });
}

/** The error a caller sees once retries ran out: says so, keeps the last failure's facts. */
function exhausted(error: SnowflakeError, attempts: number): SnowflakeError {
  const options: SnowflakeErrorOptions = {
    kind: error.kind,
    retryable: true,
    cause: error,
    details: { attempts },
    ...(error.snowflakeCode === undefined ? {} : { snowflakeCode: error.snowflakeCode }),
    ...(error.sqlState === undefined ? {} : { sqlState: error.sqlState }),
    ...(error.queryId === undefined ? {} : { queryId: error.queryId }),
    ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
  };
  return new SnowflakeUnavailableError(`${error.message} (gave up after ${attempts} attempts)`, options);
}

/**
 * A statement that must not run twice failed in a way that leaves open
 * whether it ran: not retried here, and not retryable by the caller either.
 */
function outcomeUnknown(error: SnowflakeError): SnowflakeError {
  return new SnowflakeError(
    `${error.message} (the statement may or may not have run; not retried because it is not idempotent)`,
    {
      kind: error.kind,
      retryable: false,
      cause: error,
      details: { outcomeUnknown: true },
      ...(error.snowflakeCode === undefined ? {} : { snowflakeCode: error.snowflakeCode }),
      ...(error.sqlState === undefined ? {} : { sqlState: error.sqlState }),
      ...(error.queryId === undefined ? {} : { queryId: error.queryId }),
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
    },
  );
}

function canceled(kind: string): SnowflakeCanceledError {
  return new SnowflakeCanceledError(`The ${kind} statement was canceled.`, { kind: 'canceled', statementKind: kind });
}

function throwIfAborted(signal: AbortSignal | undefined, kind: string): void {
  if (signal?.aborted) throw canceled(kind);
}

/** Bind values as the driver takes them: strings, numbers, booleans, null. */
function toDriverBinds(binds: readonly unknown[]): Binds {
  return binds.map((value, index) => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'object') return JSON.stringify(value);
    throw new SqlBuildError(`Bind ${index + 1} has a type Snowflake cannot take (${typeof value}).`);
  });
}

function truncate(sql: string, max = 4000): string {
  return sql.length <= max ? sql : `${sql.slice(0, max)}… (${sql.length} chars)`;
}
