import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabricksApiError, databricksErrors } from '../errors.js';
import { SqlFailure } from './sql-failures.js';
import type { SqlEngine, SqlRequest, SqlResult } from './sql-engine.js';
import type { Warehouse } from './warehouses.js';

/** The SDK's `StatementState`. */
export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

export interface Statement {
  id: string;
  principal: string;
  state: StatementState;
  error?: { error_code: string; message: string };
  result?: SqlResult;
  truncated: boolean;
  /** Settles when the statement reaches a final state. */
  readonly done: Promise<void>;
  readonly abort: AbortController;
}

export interface StatementStoreDeps {
  engine: SqlEngine;
  /** Emulated durations (warehouse start, statement latency) are multiplied by this. */
  timeScale: number;
  /** Rows per result chunk. */
  chunkRows: () => number;
}

const FINAL = new Set<StatementState>(['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']);
/** Statements remembered at most (the oldest are forgotten first). */
const RETAINED = 10_000;

/**
 * Statements of the SQL Statement Execution API: PENDING while the warehouse starts, RUNNING for the
 * warehouse's statement latency, then executed on the engine (SUCCEEDED or FAILED); CANCELED when canceled
 * before that. Results are kept for fetching chunk by chunk.
 */
export class StatementStore {
  readonly #statements = new Map<string, Statement>();
  readonly #starting = new Map<string, Promise<void>>();

  constructor(private readonly deps: StatementStoreDeps) {}

  submit(warehouse: Warehouse, request: SqlRequest & { rowLimit?: number }): Statement {
    const abort = new AbortController();
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const statement: Statement = {
      id: randomUUID(),
      principal: request.principal,
      state: 'PENDING',
      truncated: false,
      done,
      abort,
    };
    this.#statements.set(statement.id, statement);
    if (this.#statements.size > RETAINED) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    void this.#run(statement, warehouse, request).finally(finish);
    return statement;
  }

  /** The caller's statement; another principal's is as unknown as a made-up id. */
  get(id: string, principal: string): Statement {
    const statement = this.#statements.get(id);
    if (!statement || statement.principal !== principal)
      throw new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${id} does not exist.`);
    return statement;
  }

  /** Cancels a statement not yet executed; a finished one is left as it is. */
  cancel(statement: Statement): void {
    if (FINAL.has(statement.state)) return;
    statement.state = 'CANCELED';
    statement.abort.abort();
  }

  /** Waits up to `ms` for the statement to end. */
  async waitFor(statement: Statement, ms: number): Promise<void> {
    if (ms <= 0 || FINAL.has(statement.state)) return;
    const timer = new AbortController();
    await Promise.race([statement.done, sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  }

  clear(): void {
    for (const statement of this.#statements.values()) statement.abort.abort();
    this.#statements.clear();
    this.#starting.clear();
  }

  async #run(statement: Statement, warehouse: Warehouse, request: SqlRequest & { rowLimit?: number }): Promise<void> {
    const { signal } = statement.abort;
    try {
      await this.#started(warehouse, signal);
      if (signal.aborted) return;
      statement.state = 'RUNNING';
      await sleep(warehouse.statementLatencyMs * this.deps.timeScale, undefined, { signal });
      const result = await this.deps.engine.execute(request);
      if (request.rowLimit !== undefined && result.rows.length > request.rowLimit) {
        result.rows = result.rows.slice(0, request.rowLimit);
        statement.truncated = true;
      }
      statement.result = result;
      statement.state = 'SUCCEEDED';
    } catch (error) {
      if (signal.aborted) return;
      statement.state = 'FAILED';
      statement.error =
        error instanceof SqlFailure
          ? { error_code: error.errorCode, message: error.message }
          : { error_code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** A stopped warehouse starts on demand; statements arriving meanwhile share the one start. */
  async #started(warehouse: Warehouse, signal: AbortSignal): Promise<void> {
    if (warehouse.state === 'RUNNING') return;
    let starting = this.#starting.get(warehouse.id);
    if (!starting) {
      warehouse.state = 'STARTING';
      starting = sleep(warehouse.startMs * this.deps.timeScale).then(() => {
        warehouse.state = 'RUNNING';
        this.#starting.delete(warehouse.id);
      });
      this.#starting.set(warehouse.id, starting);
    }
    await Promise.race([starting, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
  }
}

/** StatementResponse: status, and for a SUCCEEDED statement the manifest and the first chunk (INLINE). */
export function renderStatement(statement: Statement, chunkRows: number): Record<string, unknown> {
  const status: Record<string, unknown> = { state: statement.state };
  if (statement.error) status.error = statement.error;
  const body: Record<string, unknown> = { statement_id: statement.id, status };
  const result = statement.result;
  if (statement.state !== 'SUCCEEDED' || !result) return body;
  const chunks = chunkRanges(result.rows.length, chunkRows);
  body.manifest = {
    format: 'JSON_ARRAY',
    schema: {
      column_count: result.columns.length,
      columns: result.columns.map((c, position) => ({
        name: c.name,
        position,
        type_name: c.typeName,
        type_text: c.typeText,
      })),
    },
    total_chunk_count: chunks.length,
    chunks: chunks.map((c, chunk_index) => ({ chunk_index, row_offset: c.offset, row_count: c.count })),
    total_row_count: result.rows.length,
    truncated: statement.truncated,
  };
  if (chunks.length > 0) body.result = renderChunk(statement, 0, chunkRows);
  return body;
}

/** ResultData of one INLINE chunk, with the link to the next one. */
export function renderChunk(statement: Statement, index: number, chunkRows: number): Record<string, unknown> {
  if (statement.state !== 'SUCCEEDED' || !statement.result)
    throw databricksErrors.invalidParameter(
      `Statement ${statement.id} is in state ${statement.state}; result chunks exist only for SUCCEEDED statements.`,
    );
  const chunks = chunkRanges(statement.result.rows.length, chunkRows);
  const chunk = chunks[index];
  if (!chunk)
    throw databricksErrors.invalidParameter(
      `Chunk index ${index} is out of range: the result has ${chunks.length} chunk(s).`,
    );
  const next = index + 1 < chunks.length ? index + 1 : undefined;
  return {
    chunk_index: index,
    row_offset: chunk.offset,
    row_count: chunk.count,
    data_array: statement.result.rows.slice(chunk.offset, chunk.offset + chunk.count),
    ...(next === undefined
      ? {}
      : {
          next_chunk_index: next,
          next_chunk_internal_link: `/api/2.0/sql/statements/${statement.id}/result/chunks/${next}`,
        }),
  };
}

function chunkRanges(rows: number, size: number): Array<{ offset: number; count: number }> {
  const out: Array<{ offset: number; count: number }> = [];
  const step = Math.max(1, Math.floor(size));
  for (let offset = 0; offset < rows; offset += step) out.push({ offset, count: Math.min(step, rows - offset) });
  return out;
}
