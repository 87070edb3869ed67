import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultInjector } from '../admin/faults.js';
import type { QueryLog, QueryLogEntry } from '../admin/query-log.js';
import type { Bindings } from '../engine/binds.js';
import type { Engine } from '../engine/engine.js';
import { sessionParameter } from '../engine/session-state.js';
import { column, type StatementResult, StatementType } from '../engine/statement-result.js';
import { types } from '../engine/type-mapping.js';
import { SnowflakeError, sqlErrors } from '../errors.js';
import { type Envelope, failure, ok } from './envelope.js';
import { queryParameters } from './parameters.js';
import type { ResultChunks } from './result-chunks.js';
import { encodeRows, encodeRowType } from './rowset-encoding.js';
import type { ProtocolSession } from './session-store.js';

export type QueryStatus = 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'ABORTED';

export interface QueryRecord {
  id: string;
  requestId: string | null;
  session: ProtocolSession;
  sql: string;
  status: QueryStatus;
  /** Settles when the statement has finished (never rejects). */
  done: Promise<void>;
  response: Envelope | null;
  error: SnowflakeError | null;
  controller: AbortController;
  /** The result before wire encoding (RESULT_SCAN reads it). */
  result?: StatementResult;
  /** The child queries of a multi-statement request, in order. */
  children?: QueryRecord[];
}

export interface QueryRequestBody {
  sqlText?: string;
  bindings?: Bindings;
  parameters?: Record<string, unknown>;
  asyncExec?: boolean;
  describeOnly?: boolean;
}

function successData(
  record: QueryRecord,
  result: StatementResult,
  session: ProtocolSession,
  now: number,
  chunks: ResultChunks,
): Record<string, unknown> {
  const state = session.engine.state;
  const timeZone = sessionParameter(state, 'TIMEZONE');
  return {
    parameters: queryParameters(state),
    rowtype: result.columns.map(encodeRowType),
    ...chunks.split(record.id, encodeRows(result.columns, result.rows, timeZone)),
    total: result.rows.length,
    returned: result.rows.length,
    queryId: record.id,
    databaseProvider: null,
    finalDatabaseName: state.database,
    finalSchemaName: state.database ? state.schema : null,
    finalWarehouseName: state.warehouse,
    finalRoleName: state.role,
    numberOfBinds: 0,
    arrayBindSupported: false,
    statementTypeId: result.statementTypeId,
    version: 1,
    sendResultTime: now,
    queryResultFormat: 'json',
    queryContext: { entries: [{ id: 0, timestamp: now * 1000, priority: 0, context: 'CAA=' }] },
  };
}

export function errorEnvelope(error: SnowflakeError, queryId: string | null): Envelope {
  return failure(error.code, error.message, {
    internalError: false,
    errorCode: error.code,
    age: 0,
    sqlState: error.sqlState,
    queryId,
    line: -1,
    pos: -1,
    type: 'COMPILATION',
  });
}

/**
 * Statements in flight and recently finished, by query id: the query-request
 * handler starts them here, the result and monitoring endpoints read them,
 * the abort endpoints cancel them. A retried request (same requestId) joins
 * the statement it already started instead of running it twice.
 */
export class QueryRegistry {
  private readonly records = new Map<string, QueryRecord>();
  private readonly byRequest = new Map<string, QueryRecord>();

  constructor(
    private readonly engine: Engine,
    private readonly faults: FaultInjector,
    private readonly log: QueryLog,
    private readonly now: () => number,
    readonly chunks: ResultChunks,
    private readonly keep = 2_000,
  ) {}

  get(id: string): QueryRecord | undefined {
    return this.records.get(id);
  }

  forRequest(session: ProtocolSession, requestId: string | null): QueryRecord | undefined {
    if (!requestId) return undefined;
    const record = this.byRequest.get(`${session.id}:${requestId}`);
    return record;
  }

  cancel(id: string): boolean {
    const record = this.records.get(id);
    if (record?.status !== 'RUNNING') return false;
    record.controller.abort();
    return true;
  }

  /** Cancels every running statement of a session (on logout). */
  cancelSession(session: ProtocolSession): void {
    for (const record of this.records.values()) if (record.session === session) this.cancel(record.id);
  }

  private remember(record: QueryRecord): void {
    this.records.set(record.id, record);
    if (record.requestId) this.byRequest.set(`${record.session.id}:${record.requestId}`, record);
    if (this.records.size > this.keep) {
      for (const [id, r] of this.records) {
        if (r.status === 'RUNNING') continue;
        this.records.delete(id);
        this.chunks.forget(id);
        if (r.requestId) this.byRequest.delete(`${r.session.id}:${r.requestId}`);
        if (this.records.size <= this.keep) break;
      }
    }
  }

  /** Starts a statement; returns at once. */
  start(session: ProtocolSession, requestId: string | null, body: QueryRequestBody): QueryRecord {
    const state = session.engine.state;
    const sql = body.sqlText ?? '';
    const controller = new AbortController();
    const record: QueryRecord = {
      id: randomUUID(),
      requestId,
      session,
      sql,
      status: 'RUNNING',
      done: Promise.resolve(),
      response: null,
      error: null,
      controller,
    };
    const statementTag = body.parameters?.QUERY_TAG;
    const entry: QueryLogEntry = this.log.add({
      queryId: record.id,
      requestId,
      sessionId: session.id,
      user: state.user,
      sql,
      status: 'RUNNING',
      errorCode: null,
      sqlState: null,
      errorMessage: null,
      queryTag: typeof statementTag === 'string' ? statementTag : sessionParameter(state, 'QUERY_TAG'),
      role: state.role,
      warehouse: state.warehouse,
      database: state.database,
      schema: state.schema,
      statementTypeId: null,
      rowCount: null,
      startedAt: new Date(this.now()),
      endedAt: null,
    });
    this.remember(record);
    record.done = this.run(record, body, entry);
    return record;
  }

  private async run(record: QueryRecord, body: QueryRequestBody, entry: QueryLogEntry): Promise<void> {
    const session = record.session;
    const timeoutSeconds = Number(
      (body.parameters?.STATEMENT_TIMEOUT_IN_SECONDS as string | number | undefined) ??
        sessionParameter(session.engine.state, 'STATEMENT_TIMEOUT_IN_SECONDS'),
    );
    let timedOut = false;
    const timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            timedOut = true;
            record.controller.abort();
          }, timeoutSeconds * 1000)
        : undefined;
    const signal = record.controller.signal;
    try {
      const injected = this.faults.takeQueryFailure();
      if (injected) throw injected;
      const targeted = this.faults.takeStatementFault(record.sql);
      if (targeted?.action === 'fail') throw targeted.error;
      if (targeted?.action === 'delay') await sleep(targeted.delayMs, undefined, { signal });
      if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs, undefined, { signal });
      const statements = this.statementsOf(record.sql, body, session);
      const result =
        statements.length > 1
          ? await this.runChildren(record, statements, signal)
          : await this.engine.execute(session.engine, record.sql, body.bindings, record.id, signal);
      if (signal.aborted) throw sqlErrors.canceled();
      if (targeted?.action === 'fail-after') throw targeted.error;
      record.result = result;
      const data = successData(record, result, session, this.now(), this.chunks);
      if (record.children) {
        data.resultIds = record.children.map((c) => c.id).join(',');
        data.resultTypes = record.children.map((c) => String(c.result?.statementTypeId ?? '')).join(',');
      }
      record.response = ok(data);
      record.status = 'SUCCESS';
      entry.statementTypeId = result.statementTypeId;
      entry.rowCount = result.rows.length;
    } catch (err) {
      let error: SnowflakeError;
      if (timedOut) error = sqlErrors.timeout(timeoutSeconds);
      else if (signal.aborted) error = sqlErrors.canceled();
      else if (err instanceof SnowflakeError) error = err;
      else error = sqlErrors.internal((err as Error)?.message ?? String(err));
      record.error = error;
      record.response = errorEnvelope(error, record.id);
      record.status = error.code === '000604' || error.code === '000630' ? 'ABORTED' : 'FAILED_WITH_ERROR';
      entry.errorCode = error.code;
      entry.sqlState = error.sqlState;
      entry.errorMessage = error.message;
    } finally {
      if (timer) clearTimeout(timer);
      entry.status = record.status;
      entry.endedAt = new Date(this.now());
    }
  }

  /**
   * The statements of a request. More than one runs only when
   * MULTI_STATEMENT_COUNT (the request's, else the session's; default 1)
   * allows it: 0 takes any number, n exactly n
   * (https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute#executing-a-batch-of-sql-statements-multi-statement-support).
   */
  private statementsOf(sql: string, body: QueryRequestBody, session: ProtocolSession): string[] {
    const statements = this.engine.statementTexts(sql);
    const requested = body.parameters?.MULTI_STATEMENT_COUNT;
    const desired = Number(requested ?? sessionParameter(session.engine.state, 'MULTI_STATEMENT_COUNT'));
    if (desired === 1 || statements.length <= 1) {
      if (desired > 1 && statements.length === 1) throw sqlErrors.statementCount(1, desired);
      return [sql];
    }
    if (desired !== 0 && desired !== statements.length) throw sqlErrors.statementCount(statements.length, desired);
    return statements;
  }

  /**
   * A multi-statement request: each statement runs in turn as a child query
   * with its own id and result; the parent answers Snowflake's one-row
   * summary and lists the children in `resultIds`, which the driver walks
   * with hasNext() / NextResult(). The first failing child fails the parent.
   */
  private async runChildren(parent: QueryRecord, statements: string[], signal: AbortSignal): Promise<StatementResult> {
    parent.children = [];
    for (const sql of statements) {
      if (signal.aborted) throw sqlErrors.canceled();
      const child: QueryRecord = {
        id: randomUUID(),
        requestId: null,
        session: parent.session,
        sql,
        status: 'RUNNING',
        done: Promise.resolve(),
        response: null,
        error: null,
        controller: parent.controller,
      };
      this.remember(child);
      parent.children.push(child);
      try {
        child.result = await this.engine.execute(parent.session.engine, sql, undefined, child.id, signal);
        child.response = ok(successData(child, child.result, parent.session, this.now(), this.chunks));
        child.status = 'SUCCESS';
      } catch (err) {
        const error = err instanceof SnowflakeError ? err : sqlErrors.internal(String((err as Error)?.message ?? err));
        child.error = error;
        child.response = errorEnvelope(error, child.id);
        child.status = 'FAILED_WITH_ERROR';
        throw error;
      }
    }
    return {
      columns: [column('multiple statement execution', types.varchar(), false)],
      rows: [['Multiple statements executed successfully.']],
      statementTypeId: StatementType.MULTI_STATEMENT,
    };
  }

  /** Waits up to `ms` for the statement to finish; true when it has. */
  async waitFor(record: QueryRecord, ms: number): Promise<boolean> {
    if (record.status !== 'RUNNING') return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      record.done.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    if (timer) clearTimeout(timer);
    return finished;
  }

  /** The 333333 (still running) / 333334 (async) answer pointing at the result URL. */
  static inProgress(record: QueryRecord, async: boolean): Envelope {
    return {
      code: async ? '333334' : '333333',
      data: { queryId: record.id, getResultUrl: `/queries/${record.id}/result` },
      message: async
        ? 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.'
        : null,
      success: true,
    };
  }
}
