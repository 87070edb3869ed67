import type { Logger } from 'pino';
import type { Binds, Connection, RowStatement } from 'snowflake-sdk';
import { driverErrorFacts } from './driver-errors.js';
import { classifySnowflakeError } from './error-classification.js';
import { SnowflakeCanceledError, type SnowflakeError, SnowflakeTimeoutError } from './errors.js';

export interface ColumnInfo {
  name: string;
  /** Snowflake's type in lower case: `fixed`, `text`, `timestamp_ntz`, `variant`, ... */
  type: string;
  nullable: boolean;
  scale: number;
  precision: number;
}

export interface QueryResult<Row = Record<string, unknown>> {
  rows: Row[];
  queryId: string;
  /** The statement's kind, as in `QueryEvent.kind` (`COPY`, `CREATE TABLE`, `SELECT`). */
  statementType: string;
  columns: ColumnInfo[];
}

/** Session parameters set on one statement only, never on the pooled session. */
export interface StatementParameters {
  STATEMENT_TIMEOUT_IN_SECONDS: number;
  QUERY_TAG?: string;
}

/** One statement as the driver takes it. */
export interface StatementRequest {
  /** The text as sent, secrets included: never logged. */
  sqlText: string;
  binds?: Binds | undefined;
  parameters: StatementParameters;
  /** The driver returns NUMBER values as their text (snowflake-sdk's `fetchAsString`), for ids past 2^53. */
  numbersAsText?: boolean | undefined;
  /** First keyword(s) (`COPY`, `SELECT`), for errors and logs. */
  kind: string;
}

/** Where the connection goes once the driver is done with it: the pool. */
export interface ConnectionReturn {
  /** The session is healthy: reuse it. */
  release(connection: Connection): void;
  /** The session is gone or stuck: close it. */
  destroy(connection: Connection): Promise<void>;
}

export interface StatementExecutionDeps {
  connections: ConnectionReturn;
  logger?: Logger | undefined;
  /** How often a running statement is checked for its query id when `onQueryId` is set. @defaultValue 100 */
  queryIdPollMs?: number;
  /**
   * How long a statement that failed locally (watchdog, abort) may keep its
   * connection waiting for the server to confirm the cancel, before the
   * connection is closed. @defaultValue 30000
   */
  abandonAfterCancelMs?: number;
}

export interface RunOptions {
  /** Cancels the statement; `run()` then rejects with SnowflakeCanceledError. */
  signal?: AbortSignal | undefined;
  /** Called once with the query id as soon as Snowflake has assigned one. */
  onQueryId?: ((queryId: string) => void) | undefined;
  /**
   * Cancels the statement, and `run()` rejects with SnowflakeTimeoutError, when
   * the driver has not answered after this many ms. Snowflake ends a statement
   * at its STATEMENT_TIMEOUT_IN_SECONDS on its own; this covers a server that
   * never answers. @defaultValue no watchdog
   */
  watchdogMs?: number | undefined;
}

/**
 * One run of one statement on a connection the caller has taken from the
 * pool: the snowflake-sdk `execute` call as a promise, plus what the driver
 * does not do on its own: a watchdog, the query id reported while the
 * statement still runs, and cancel by AbortSignal.
 *
 * `run()` settles at the first of the driver's answer, the watchdog and the
 * abort. It rejects with the driver's own error (the caller turns it into a
 * SnowflakeError, redacting with the statement it knows) or with the
 * SnowflakeTimeoutError / SnowflakeCanceledError of a local failure. The
 * connection goes back only when the driver is done with it, which after a
 * local failure is later than `run()` settles (see `ended`).
 */
export class StatementExecution {
  /**
   * Resolves when the driver has answered (or refused the call): from then on
   * the statement holds no connection. After a watchdog or abort this waits
   * for Snowflake to acknowledge the cancel.
   */
  readonly ended: Promise<void>;
  readonly #connection: Connection;
  readonly #request: StatementRequest;
  readonly #connections: ConnectionReturn;
  readonly #logger: Logger | undefined;
  readonly #queryIdPollMs: number;
  readonly #abandonAfterCancelMs: number;
  #markEnded: () => void = () => {};
  #resolve: (result: QueryResult<unknown>) => void = () => {};
  #reject: (error: unknown) => void = () => {};
  #started = false;
  #statement: RowStatement | undefined;
  /** The driver has answered: the connection is back with the pool. */
  #answered = false;
  /** `run()`'s promise has settled (answer, watchdog or abort, whichever came first). */
  #settled = false;
  #localFailure: SnowflakeError | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #queryIdWatch: NodeJS.Timeout | undefined;
  #onQueryId: ((queryId: string) => void) | undefined;
  #signal: AbortSignal | undefined;
  readonly #onAbort = () =>
    this.#failLocally(
      new SnowflakeCanceledError(`The ${this.#request.kind} statement was canceled.`, {
        kind: 'canceled',
        statementKind: this.#request.kind,
        ...this.#queryIdFact(),
      }),
    );

  constructor(connection: Connection, request: StatementRequest, deps: StatementExecutionDeps) {
    this.#connection = connection;
    this.#request = request;
    this.#connections = deps.connections;
    this.#logger = deps.logger;
    this.#queryIdPollMs = deps.queryIdPollMs ?? 100;
    this.#abandonAfterCancelMs = deps.abandonAfterCancelMs ?? 30_000;
    this.ended = new Promise<void>((resolve) => {
      this.#markEnded = resolve;
    });
  }

  /** Snowflake's id for the statement, once the driver has one. */
  get queryId(): string | undefined {
    return this.#statement?.getQueryId() || undefined;
  }

  /** Sends the statement; can be called once. `Row` is what the caller expects each row to be. */
  run<Row = Record<string, unknown>>(options: RunOptions = {}): Promise<QueryResult<Row>> {
    if (this.#started) throw new Error('A StatementExecution runs once.');
    this.#started = true;
    this.#onQueryId = options.onQueryId;
    this.#signal = options.signal;
    const result = new Promise<QueryResult<unknown>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      if (options.watchdogMs !== undefined) this.#startWatchdog(options.watchdogMs);
      try {
        this.#statement = this.#connection.execute({
          sqlText: this.#request.sqlText,
          ...(this.#request.binds === undefined ? {} : { binds: this.#request.binds }),
          parameters: this.#request.parameters,
          ...(this.#request.numbersAsText === true ? { fetchAsString: ['Number' as const] } : {}),
          complete: (error, statement, rows) => this.#onAnswer(error, statement, rows),
        }) as RowStatement;
      } catch (error) {
        // The driver throws invalid arguments synchronously; the statement never left.
        this.#end();
        this.#connections.release(this.#connection);
        this.#settled = true;
        reject(error);
        return;
      }
      if (this.#onQueryId && !this.#answered) {
        this.#queryIdWatch = setInterval(() => this.#reportQueryId(), this.#queryIdPollMs);
        this.#queryIdWatch.unref?.();
      }
      if (this.#signal?.aborted) this.#onAbort();
      else this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    });
    return result as Promise<QueryResult<Row>>;
  }

  /**
   * Asks Snowflake to cancel the statement. Unless it already failed locally,
   * `run()` then rejects with the driver's "canceled" error.
   */
  cancel(): void {
    this.#statement?.cancel((cancelError) => {
      if (!cancelError) return;
      this.#logger?.warn(
        {
          kind: this.#request.kind,
          err: { code: cancelError.code, message: cancelError.message },
          localFailure: this.#localFailure?.code,
        },
        'snowflake cancel request failed',
      );
    });
  }

  #onAnswer(error: unknown, statement: RowStatement, rows: unknown[] | undefined): void {
    this.#answered = true;
    this.#end();
    // The session is unusable after these; everything else leaves it healthy.
    const reconnect = error !== undefined && classifySnowflakeError(driverErrorFacts(error)).reconnect;
    if (reconnect || !this.#connection.isUp()) void this.#connections.destroy(this.#connection);
    else this.#connections.release(this.#connection);
    if (this.#settled) return;
    this.#settled = true;
    if (error) this.#reject(error);
    else this.#resolve(queryResult(statement, rows, this.#request.kind));
  }

  /** The watchdog fired or the signal aborted: settle now, cancel on the server, and let the answer come later. */
  #failLocally(error: SnowflakeError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#localFailure = error;
    this.cancel();
    this.#reject(error);
    // If the server never answers the canceled statement, give its connection up.
    setTimeout(() => {
      if (!this.#answered) void this.#connections.destroy(this.#connection);
    }, this.#abandonAfterCancelMs).unref?.();
  }

  #startWatchdog(afterMs: number): void {
    const { kind, parameters } = this.#request;
    this.#watchdog = setTimeout(
      () =>
        this.#failLocally(
          new SnowflakeTimeoutError(
            `The ${kind} statement did not finish within its ${parameters.STATEMENT_TIMEOUT_IN_SECONDS} s timeout; the client canceled it.`,
            { kind: 'timeout', statementKind: kind, ...this.#queryIdFact() },
          ),
        ),
      afterMs,
    );
    this.#watchdog.unref?.();
  }

  #reportQueryId(): void {
    const queryId = this.queryId;
    if (!queryId || !this.#onQueryId) return;
    const onQueryId = this.#onQueryId;
    this.#onQueryId = undefined;
    this.#stopQueryIdWatch();
    try {
      onQueryId(queryId);
    } catch (error) {
      this.#logger?.warn({ err: error, kind: this.#request.kind }, 'onQueryId hook threw');
    }
  }

  #stopQueryIdWatch(): void {
    if (this.#queryIdWatch) clearInterval(this.#queryIdWatch);
    this.#queryIdWatch = undefined;
  }

  /** The driver is done with the statement: report its query id if still due, stop every timer and listener. */
  #end(): void {
    this.#reportQueryId();
    this.#stopQueryIdWatch();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#markEnded();
  }

  #queryIdFact(): { queryId?: string } {
    const queryId = this.queryId;
    return queryId ? { queryId } : {};
  }
}

function queryResult(statement: RowStatement, rows: unknown[] | undefined, kind: string): QueryResult<unknown> {
  return {
    rows: rows ?? [],
    queryId: statement.getQueryId(),
    statementType: kind,
    columns: (statement.getColumns() ?? []).map((column) => ({
      name: column.getName(),
      type: column.getType(),
      nullable: column.isNullable(),
      scale: column.getScale(),
      precision: column.getPrecision(),
    })),
  };
}
