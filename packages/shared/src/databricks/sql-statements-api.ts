import { type Clock, systemClock } from '../clock.js';
import { DatabricksError } from './errors.js';
import type { DatabricksHttpClient } from './http-client.js';

/** A named parameter (`:name` in the statement). A value is sent as a string; null is SQL NULL. */
export interface StatementParameter {
  name: string;
  value: string | null;
  /** The SQL type the value is cast to (`BIGINT`, `TIMESTAMP`, …). @defaultValue STRING */
  type?: string;
}

export interface ExecuteStatementOptions {
  /** Default catalog and schema of the statement (USE CATALOG / USE SCHEMA). */
  catalog?: string;
  schema?: string;
  parameters?: readonly StatementParameter[];
  /** Aborting cancels the statement on the warehouse. */
  signal?: AbortSignal;
}

export interface SqlStatementsTuning {
  /** How long the execute call itself waits for the result (`wait_timeout`: 0, or 5 to 50). @defaultValue 10 */
  waitTimeoutSeconds?: number;
  /** First wait between polls of a PENDING or RUNNING statement; grows by half each poll. @defaultValue 500 */
  pollInitialMs?: number;
  /** @defaultValue 5000 */
  pollMaxMs?: number;
  /** Give up (and cancel the statement) after this long. @defaultValue 600000 */
  timeoutMs?: number;
}

/** A finished statement's rows, in JSON_ARRAY form (strings or null), every chunk gathered. */
export interface StatementResult {
  statementId: string;
  columns: string[];
  rows: Array<Array<string | null>>;
}

/**
 * A statement that ended FAILED, CANCELED or CLOSED, or was given up on. `errorClass` is Databricks' error class
 * from the message (`INSUFFICIENT_PERMISSIONS`, `TABLE_OR_VIEW_NOT_FOUND`, …); `permissionDenied` says a privilege
 * is missing, so a caller can fall back to a way that needs less.
 */
export class DatabricksStatementError extends DatabricksError {
  override readonly code: string;
  readonly statementId: string | undefined;
  readonly state: string;
  readonly errorClass: string | undefined;
  readonly permissionDenied: boolean;

  constructor(
    code: 'DATABRICKS_STATEMENT_FAILED' | 'DATABRICKS_STATEMENT_CANCELED' | 'DATABRICKS_STATEMENT_TIMEOUT',
    message: string,
    facts: { statementId?: string | undefined; state: string; errorCode?: string | undefined; retryable?: boolean },
  ) {
    super(
      message,
      { endpoint: 'sql/statements', method: 'POST', ...(facts.errorCode ? { errorCode: facts.errorCode } : {}) },
      { retryable: facts.retryable ?? false },
    );
    this.code = code;
    this.statementId = facts.statementId;
    this.state = facts.state;
    this.errorClass = /^\[([A-Z_.]+)\]/.exec(message)?.[1];
    this.permissionDenied = this.errorClass === 'INSUFFICIENT_PERMISSIONS';
    Object.assign(this.details, { statementId: facts.statementId, state: facts.state, errorClass: this.errorClass });
  }
}

interface StatementResponse {
  statement_id?: string;
  status?: { state?: string; error?: { error_code?: string; message?: string } };
  manifest?: { schema?: { columns?: Array<{ name?: string }> }; total_chunk_count?: number };
  result?: ResultChunk;
}

interface ResultChunk {
  data_array?: Array<Array<string | null>>;
  next_chunk_index?: number;
}

const BASE = '/api/2.0/sql/statements';
/** Error codes of a failed statement that a later attempt may not meet (the SDK's ServiceErrorCode). */
const TRANSIENT = new Set([
  'TEMPORARILY_UNAVAILABLE',
  'WORKSPACE_TEMPORARILY_UNAVAILABLE',
  'SERVICE_UNDER_MAINTENANCE',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
]);

/**
 * The SQL Statement Execution API 2.0 on one SQL warehouse: runs a statement with `wait_timeout`, polls a
 * PENDING or RUNNING one with growing waits, gathers every INLINE JSON_ARRAY chunk, cancels on abort or
 * timeout, and raises a failed statement's own error as a DatabricksStatementError.
 */
export class SqlStatementsApi {
  readonly #http: DatabricksHttpClient;
  readonly #warehouseId: string;
  readonly #clock: Clock;
  readonly #tuning: Required<SqlStatementsTuning>;

  constructor(
    http: DatabricksHttpClient,
    warehouseId: string,
    clock: Clock = systemClock,
    tuning: SqlStatementsTuning = {},
  ) {
    this.#http = http;
    this.#warehouseId = warehouseId;
    this.#clock = clock;
    this.#tuning = {
      waitTimeoutSeconds: tuning.waitTimeoutSeconds ?? 10,
      pollInitialMs: tuning.pollInitialMs ?? 500,
      pollMaxMs: tuning.pollMaxMs ?? 5000,
      timeoutMs: tuning.timeoutMs ?? 600_000,
    };
  }

  get warehouseId(): string {
    return this.#warehouseId;
  }

  async execute(statement: string, options: ExecuteStatementOptions = {}): Promise<StatementResult> {
    const signal = options.signal;
    const started = this.#clock.now();
    // Not idempotent: a statement that may have reached the warehouse is not sent again by the HTTP layer.
    let response = await this.#http.request<StatementResponse>({
      method: 'POST',
      endpoint: 'sql/statements',
      path: BASE,
      body: {
        warehouse_id: this.#warehouseId,
        statement,
        ...(options.catalog ? { catalog: options.catalog } : {}),
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.parameters?.length
          ? {
              parameters: options.parameters.map((p) => ({
                name: p.name,
                ...(p.value === null ? {} : { value: p.value }),
                ...(p.type ? { type: p.type } : {}),
              })),
            }
          : {}),
        wait_timeout: `${this.#tuning.waitTimeoutSeconds}s`,
        on_wait_timeout: 'CONTINUE',
        disposition: 'INLINE',
        format: 'JSON_ARRAY',
      },
      idempotent: false,
      ...(signal ? { signal } : {}),
    });
    const id = response.statement_id;
    let wait = this.#tuning.pollInitialMs;
    try {
      while (isRunning(response.status?.state)) {
        if (id === undefined)
          throw new DatabricksStatementError('DATABRICKS_STATEMENT_FAILED', 'Databricks returned no statement_id', {
            state: 'UNKNOWN',
          });
        if (this.#clock.now() - started > this.#tuning.timeoutMs) {
          throw new DatabricksStatementError(
            'DATABRICKS_STATEMENT_TIMEOUT',
            `Statement ${id} was still ${response.status?.state ?? 'running'} after ${this.#tuning.timeoutMs} ms; it was canceled`,
            { statementId: id, state: response.status?.state ?? 'RUNNING', retryable: true },
          );
        }
        await this.#clock.sleep(wait, signal);
        wait = Math.min(this.#tuning.pollMaxMs, Math.round(wait * 1.5));
        response = await this.#get(id, signal);
      }
    } catch (error) {
      if (id !== undefined) await this.#cancel(id);
      throw error;
    }
    return this.#finished(response, signal);
  }

  async #finished(response: StatementResponse, signal: AbortSignal | undefined): Promise<StatementResult> {
    const id = response.statement_id ?? '';
    const state = response.status?.state ?? 'UNKNOWN';
    if (state !== 'SUCCEEDED') {
      const error = response.status?.error;
      if (state === 'FAILED') {
        throw new DatabricksStatementError(
          'DATABRICKS_STATEMENT_FAILED',
          error?.message ?? `Statement ${id} failed without a message`,
          { statementId: id, state, errorCode: error?.error_code, retryable: TRANSIENT.has(error?.error_code ?? '') },
        );
      }
      throw new DatabricksStatementError('DATABRICKS_STATEMENT_CANCELED', `Statement ${id} ended ${state}`, {
        statementId: id,
        state,
      });
    }
    const rows = [...(response.result?.data_array ?? [])];
    let next = response.result?.next_chunk_index;
    while (next !== undefined) {
      const chunk = await this.#http.request<ResultChunk>({
        method: 'GET',
        endpoint: 'sql/statements/{id}/result/chunks/{n}',
        path: `${BASE}/${encodeURIComponent(id)}/result/chunks/${next}`,
        idempotent: true,
        ...(signal ? { signal } : {}),
      });
      rows.push(...(chunk.data_array ?? []));
      next = chunk.next_chunk_index;
    }
    return { statementId: id, columns: (response.manifest?.schema?.columns ?? []).map((c) => c.name ?? ''), rows };
  }

  #get(id: string, signal: AbortSignal | undefined): Promise<StatementResponse> {
    return this.#http.request<StatementResponse>({
      method: 'GET',
      endpoint: 'sql/statements/{id}',
      path: `${BASE}/${encodeURIComponent(id)}`,
      idempotent: true,
      ...(signal ? { signal } : {}),
    });
  }

  /** Best effort: the caller's error is what matters; the warehouse stops work nobody waits for. */
  async #cancel(id: string): Promise<void> {
    await this.#http
      .request({
        method: 'POST',
        endpoint: 'sql/statements/{id}/cancel',
        path: `${BASE}/${encodeURIComponent(id)}/cancel`,
        idempotent: true,
      })
      .catch(() => undefined);
  }
}

function isRunning(state: string | undefined): boolean {
  return state === 'PENDING' || state === 'RUNNING';
}
